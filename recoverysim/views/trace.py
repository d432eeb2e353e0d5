"""One customer's journey through a replication, told as a dated plain-language timeline (for
trainers).

The model keeps a per-claim event log only when asked (`keep_log=True`), so
tracing reruns one replication of one policy with the log on: the same seed
gives the same world as the stored run.

Stories, each a precise rule over the claims of that replication (the first match in claim order is
told; STORY_DEFINITIONS holds the same words for `trace --help` and the README). Except for
``fraud-paid``, the customer is an honest claimant: not an opportunist and never filing a fraudulent
claim, unless ``any_customer`` is asked for.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from recoverysim.errors import UsageError
from recoverysim.model.claim_record import Claim
from recoverysim.model.world import World
from recoverysim.scenario.schema import Scenario
from recoverysim.staffing import resolve_staffing

STORY_DEFINITIONS = {
    "honest-denied": "an honest claim (a real failure) that was denied, including a paid repair "
    "of an excluded part",
    "fraud-paid": "a fraudulent claim that was approved and paid out",
    "recovered": (
        "an honest claim a manager put right after the customer posted publicly; when there is "
        "none, an honest claim that hit trouble (a dropped transfer, a partner that sent the "
        "customer back, or missing proof) and still ended approved with satisfaction at or above "
        "that of a customer whose product never failed"
    ),
    "runaround": (
        "the claim passed around most: transfers, dropped contacts, partner bounces and contacts "
        "beyond the first (at least two)"
    ),
}
STORIES = tuple(STORY_DEFINITIONS)
TROUBLE_EVENTS = {"transfer dropped", "sent back by partner", "proof missing"}


@dataclass(frozen=True)
class Journey:
    """One customer's claims and their events, with the customer's state at the horizon."""

    scenario: str
    seed: int
    policy: str
    replication: int
    customer_id: int
    segment: str
    opportunist: bool
    claims: list[Claim]
    events: list[tuple[float, int, str, dict]]  # (day, claim id, event, details)
    active_at_end: bool
    loyalty_at_end: float
    story: str | None = None


def simulate(scenario: Scenario, policy: str, replication: int) -> World:
    """Rerun one replication with the event log on."""
    names = [p.name for p in scenario.policies]
    if policy not in names:
        raise UsageError(
            f"unknown policy {policy!r}; the scenario's policies are {', '.join(names)}"
        )
    if not 0 <= replication < 1_000_000:
        raise UsageError(f"replication must be between 0 and 999999 (got {replication})")
    scenario = resolve_staffing(scenario)
    world = World(scenario, scenario.policy(policy), replication, keep_log=True)
    world.run()
    return world


def _events(claim: Claim) -> list[str]:
    return [event for _, event, _ in (claim.log or [])]


def handoffs(claim: Claim) -> int:
    """Transfers, dropped contacts, partner bounces and contacts beyond the first: how much the
    customer was passed around."""
    return (
        claim.transfers
        + claim.drops
        + _events(claim).count("sent back by partner")
        + max(claim.contacts - 1, 0)
    )


def honest_claimants(claims: list[Claim], opportunist: Sequence[bool]) -> set[int]:
    """Customers who are not opportunists and filed no fraudulent claim: the people a story tells by
    default."""
    fraudsters = {c.customer_id for c in claims if c.is_fraud}
    return {
        c.customer_id
        for c in claims
        if not opportunist[c.customer_id] and c.customer_id not in fraudsters
    }


def pick_story(
    claims: list[Claim],
    story: str,
    reference_satisfaction: float,
    customers: set[int] | None = None,
) -> Claim | None:
    """The first claim (in claim order) that is an example of `story` (STORY_DEFINITIONS), among the
    claims of `customers` when given (fraud-paid excepted: its customer is a fraudster by
    definition)."""
    if customers is not None and story != "fraud-paid":
        claims = [c for c in claims if c.customer_id in customers]
    if story == "honest-denied":
        return next((c for c in claims if not c.is_fraud and c.decision == "denied"), None)
    if story == "fraud-paid":
        return next((c for c in claims if c.is_fraud and c.decision == "approved"), None)
    if story == "recovered":
        honest = [c for c in claims if not c.is_fraud]
        by_manager = next((c for c in honest if "recovered by a manager" in _events(c)), None)
        if by_manager is not None:
            return by_manager
        return next(
            (
                c
                for c in honest
                if c.decision == "approved"
                and TROUBLE_EVENTS & set(_events(c))
                and not math.isnan(c.satisfaction)
                and c.satisfaction >= reference_satisfaction
            ),
            None,
        )
    if story == "runaround":
        best = max(claims, key=lambda c: (handoffs(c), -c.claim_id), default=None)
        return best if best is not None and handoffs(best) >= 2 else None
    raise UsageError(f"unknown story {story!r}; choose one of {', '.join(STORIES)}")


def journey(
    scenario: Scenario,
    policy: str,
    replication: int = 0,
    customer: int | None = None,
    story: str | None = None,
    any_customer: bool = False,
) -> Journey:
    """The journey of `customer`, or of the customer behind the first example of `story` (an honest
    claimant unless `any_customer`)."""
    if (customer is None) == (story is None):
        raise UsageError("name exactly one of --customer ID or --story KIND")
    world = simulate(scenario, policy, replication)
    claims = world.all_claims()
    if story is not None:
        among = None if any_customer else honest_claimants(claims, world.customers.opportunist)
        chosen = pick_story(claims, story, scenario.behaviour.reference_satisfaction, among)
        if chosen is None:
            whom = "" if among is None or story == "fraud-paid" else " by an honest claimant"
            raise UsageError(
                f"no {story} story{whom} under policy {policy!r} in replication {replication} "
                f"({len(claims)} claims); try another --replication or policy"
                + ("" if not whom else ", or --any-customer")
            )
        customer = chosen.customer_id
    mine = [c for c in claims if c.customer_id == customer]
    if not mine:
        examples = ", ".join(str(i) for i in sorted({c.customer_id for c in claims})[:5])
        raise UsageError(
            f"customer {customer} filed no claim under policy {policy!r} in replication "
            f"{replication}"
            + (f"; customers who did include {examples}" if examples else "; nobody filed a claim")
        )
    events = sorted(
        ((day, c.claim_id, event, details) for c in mine for day, event, details in (c.log or [])),
        key=lambda e: (e[0], e[1]),
    )
    c = world.customers
    first = mine[0]
    return Journey(
        scenario.name,
        scenario.seed,
        policy,
        replication,
        int(customer),
        scenario.market.segments[first.segment].name,
        bool(c.opportunist[customer]),
        mine,
        events,
        bool(c.active[customer]),
        float(c.loyalty[customer]),
        story,
    )


# ---- telling it
# --------------------------------------------------------------------------------------------------


def when(day: float) -> str:
    """'day 12, 14:05': days since the start of the simulation and the time of day."""
    whole = math.floor(day)
    minutes = int(round((day - whole) * 1440))
    if minutes == 1440:
        whole, minutes = whole + 1, 0
    return f"day {whole}, {minutes // 60:02d}:{minutes % 60:02d}"


def _eur(x: float) -> str:
    return f"{x:,.0f} EUR" if abs(x) >= 100 else f"{x:,.2f} EUR"


def duration(minutes: float) -> str:
    """'12 min', '3.5 hours' or '2.1 days': a wait in the unit a person would use."""
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:.1f} days"


CONTACT_WORDS = {
    # channel: (served with no wait, served after a wait, gave up, transferred, dropped while
    # transferred); a contact is logged when it ends, so 'served' sentences do not say 'at once'
    "phone": (
        "speaks to an agent, with no wait in the queue",
        "speaks to an agent after {wait} in the queue",
        "hangs up after {wait} in the queue",
        "is transferred to another agent",
        "is cut off while being transferred",
    ),
    "chat": (
        "chats with an agent, with no wait",
        "chats with an agent after {wait} waiting",
        "leaves the chat after {wait} without an answer",
        "is handed to another chat agent",
        "the chat drops while being handed to another agent",
    ),
    "email": (
        "an agent answers the e-mail",
        "an agent answers the e-mail, after {wait} in the inbox",
        "gives up waiting for an answer to the e-mail after {wait}",
        "the e-mail is forwarded to another agent",
        "the forwarded e-mail is lost and nobody answers it",
    ),
    "store": (
        "is served at the counter, with no wait",
        "is served at the counter after {wait} waiting",
        "leaves the store after {wait} waiting",
        "is sent to another desk in the store",
        "is sent to another desk in the store and nobody there takes the case",
    ),
}


def sentence(
    event: str,
    details: dict,
    waited_minutes: float,
    policy_shipping_days: float,
    channel: str = "phone",
) -> str:
    """One event of the log in plain words, in the words of the claim's channel."""
    d = details
    words = CONTACT_WORDS.get(channel, CONTACT_WORDS["phone"])
    if event == "filed":
        what = (
            "claims a defect that is not there (fraud)"
            if d.get("fraud")
            else f"finds the {d.get('component', 'product')} broken"
        )
        cover = (
            ""
            if d.get("covered", True)
            else f" (the {d.get('component')} is excluded from the warranty)"
        )
        return (
            f"{what}{cover} and files a claim by {d.get('channel')}; loyalty "
            f"{d.get('loyalty', float('nan')):.2f}"
        )
    if event == "contact":
        if d.get("served"):
            return words[1 if waited_minutes >= 0.5 else 0].format(wait=duration(waited_minutes))
        return words[2].format(wait=duration(waited_minutes))
    if event == "transferred":
        return words[3]
    if event == "transfer dropped":
        return words[4]
    if event == "partner hand-off":
        return "is passed to the partner organisation, which answers"
    if event == "sent back by partner":
        return "is sent back by the partner, and starts again"
    if event == "proof asked":
        asked = {
            "photo": "a photo",
            "receipt": "the receipt",
            "photo_and_receipt": "a photo and the receipt",
        }.get(d.get("evidence"), d.get("evidence"))
        return f"is asked for {asked}"
    if event == "proof missing":
        return "cannot find the proof asked for at first"
    if event == "proof found later":
        return f"finds the proof {d.get('days'):g} days later and sends it"
    if event == "proof not convincing":
        return "sends proof that does not convince"
    if event == "component excluded":
        return "hears the part is not covered"
    if event == "component excluded; paid repair":
        return (
            f"hears the part is not covered; may pay {_eur(d.get('charge_eur', 0.0))} for a repair"
        )
    if event == "shipped to firm":
        return f"ships the item to the firm ({policy_shipping_days:g} days in transit)"
    if event == "shipped to customer":
        return f"the firm ships to the customer ({policy_shipping_days:g} days in transit)"
    if event == "inspected":
        return "the item is inspected and " + (
            "passes" if d.get("passed") else "is judged not to be a covered defect"
        )
    if event == "remedy":
        return {
            "repair": "gets the item back repaired",
            "replace": "receives a replacement",
            "refund": "is refunded",
        }.get(d.get("remedy"), f"remedy: {d.get('remedy')}")
    if event == "status updates":
        count = d.get("count", 0)
        return (
            f"has received {count} status update{'' if count == 1 else 's'}, one every "
            f"{d.get('every_days'):g} days"
        )
    if event == "silence ended":
        return f"hears from the firm after {d.get('silent_days'):.1f} days of silence"
    if event == "decision":
        return (
            f"decision: {d.get('decision')}; satisfaction {d.get('satisfaction'):.2f} on a 0-1 "
            f"scale (longest silence {d.get('longest_silence_days', 0.0):.1f} days, status "
            f"updates: {d.get('updates', 0)})"
        )
    if event == "public post":
        return f"posts about it publicly; {d.get('readers'):,} people read it"
    if event == "recovered by a manager":
        return f"a manager calls and puts it right; satisfaction now {d.get('satisfaction'):.2f}"
    if event == "loyalty":
        return (
            f"loyalty {d.get('before'):.2f} -> {d.get('after'):.2f} (probability of buying again)"
        )
    if event == "told":
        if not d.get("people"):
            return "tells nobody about it"
        people = f"{d.get('people')} {'person' if d.get('people') == 1 else 'people'}"
        if "satisfaction" not in d:
            return (
                f"tells {people} about it, speaking {'well' if d.get('positive') else 'badly'} of "
                "the firm"
            )
        compared = "at or above" if d.get("positive") else "below"
        return (
            f"tells {people} about it, speaking {'well' if d.get('positive') else 'badly'} of the "
            f"firm: satisfaction {d['satisfaction']:.2f} is {compared} the "
            f"{d.get('reference'):.2f} of a customer whose product never failed"
        )
    return f"{event} {json.dumps(d, sort_keys=True)}"


def timeline(j: Journey, shipping_days: float) -> list[dict]:
    """The journey as records: day, clock text, claim id, event, plain sentence and the raw
    details."""
    records = []
    purchases = {}
    for _day, claim_id, event, details in j.events:
        if event == "filed" and "purchase_day" in details:
            purchases.setdefault(details["purchase_day"], claim_id)
    for day, claim_id in purchases.items():
        text = "bought the product" + (" before the simulation started" if day < 0 else "")
        records.append(
            {
                "day": day,
                "when": when(day),
                "claim_id": claim_id,
                "event": "purchase",
                "text": text,
                "details": {},
            }
        )
    waited, channels = {}, {}
    for day, claim_id, event, details in j.events:
        minutes = 0.0
        if event == "filed":
            channels[claim_id] = details.get("channel", "phone")
        if event == "contact":
            total = float(details.get("wait_minutes", 0.0))
            minutes, waited[claim_id] = total - waited.get(claim_id, 0.0), total
        records.append(
            {
                "day": day,
                "when": when(day),
                "claim_id": claim_id,
                "event": event,
                "text": sentence(
                    event, details, minutes, shipping_days, channels.get(claim_id, "phone")
                ),
                "details": details,
            }
        )
    records.sort(key=lambda r: (r["day"], r["claim_id"]))
    return records


def as_text(j: Journey, shipping_days: float, horizon_days: int) -> str:
    kind = "an opportunist" if j.opportunist else "an honest customer"
    head = (
        f"Customer {j.customer_id} ({kind}, segment {j.segment}) under policy {j.policy}, "
        f"replication {j.replication} of scenario {j.scenario} (seed {j.seed})"
    )
    if j.story:
        head += f"\nChosen as an example of: {j.story}"
    lines = [head, "-" * min(len(head.splitlines()[0]), 100)]
    current = None
    for record in timeline(j, shipping_days):
        claim = f"claim {record['claim_id']}"
        if record["claim_id"] != current and record["event"] != "purchase":
            current = record["claim_id"]
            lines.append(f"  [{claim}]")
        lines.append(f"  {record['when']:>14}  {record['text']}")
    end = "still a customer" if j.active_at_end else "no longer a customer (did not buy again)"
    lines.append(
        f"  {'day ' + str(horizon_days):>14}  end of the simulation: {end}, loyalty "
        f"{j.loyalty_at_end:.2f}"
    )
    return "\n".join(lines)


def as_json(j: Journey, shipping_days: float) -> str:
    claims = [
        {
            "claim_id": c.claim_id,
            "fraud": c.is_fraud,
            "channel": c.channel,
            "filed_day": c.filed_day,
            "closed_day": None if math.isnan(c.closed_day) else c.closed_day,
            "decision": c.decision,
            "remedy": c.remedy,
            "contacts": c.contacts,
            "transfers": c.transfers,
            "drops": c.drops,
            "cost_eur": c.cost_eur,
            "satisfaction": None if math.isnan(c.satisfaction) else c.satisfaction,
        }
        for c in j.claims
    ]
    payload = {
        "scenario": j.scenario,
        "seed": j.seed,
        "policy": j.policy,
        "replication": j.replication,
        "customer_id": j.customer_id,
        "segment": j.segment,
        "opportunist": j.opportunist,
        "story": j.story,
        "active_at_end": j.active_at_end,
        "loyalty_at_end": j.loyalty_at_end,
        "claims": claims,
        "events": timeline(j, shipping_days),
    }
    return json.dumps(payload, indent=2)
