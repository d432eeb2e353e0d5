"""What a claim process may ask of its world: the narrow interface between model/claims.py and
model/world.py.

A claim sees the SimPy environment, its policy and scenario, the desks and the bench it queues at,
and a few services (spend money, note its journey, move loyalty, tell people); never the world's
other state. World provides every member (tests/test_model_invariants.py checks it), and claims.py
imports this module, not world.py, so the two do not import each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import simpy

    from recoverysim.model.channels import Bench, ChannelDesk
    from recoverysim.model.claim_record import Claim
    from recoverysim.model.customers import Customers
    from recoverysim.scenario.schema import Policy, Scenario


class ClaimServices(Protocol):
    """The world as a claim process sees it."""

    env: simpy.Environment
    scenario: Scenario
    policy: Policy
    desks: dict[str, ChannelDesk]
    bench: Bench
    customers: Customers  # read only: loyalty before and after, for the journey
    major_component: list[bool]  # per component: is its failure major
    price_of_segment: list[float]  # per segment: the product's price
    expected_days_of_segment: list[float]  # per segment: the claimant's expected resolution days
    open_claims: dict[int, Claim]
    reach: dict[str, int]  # how often each lever's mechanism was reached (recoverysim.levers)

    def note(self, claim: Claim, event: str, **details) -> None: ...
    def customer_facts(self, claim: Claim) -> dict: ...
    def heard(self, claim: Claim) -> None: ...
    def spend(self, claim: Claim, component: str, eur: float) -> None: ...
    def earn_repair_charge(self, eur: float) -> None: ...
    def price_of(self, claim: Claim) -> float: ...
    def refunded(self, customer: int) -> None: ...
    def fraud_tip(self, claim: Claim, received_eur: float) -> None: ...
    def close_account(self, claim: Claim) -> None: ...
    def feel(self, customer: int, s: float, first_failure: bool, major: bool = False) -> None: ...
    def note_outcome(self, customer: int, outcome: str, major: bool = False) -> None: ...
    def word_of_mouth(self, claim: Claim, s: float) -> None: ...
    def public_post(self, claim: Claim) -> None: ...
    def post_update(self, claim: Claim) -> None: ...
    def finish(self, claim: Claim) -> None: ...


#: The members above, for the test that World provides each one.
CLAIM_SERVICES = tuple(
    name
    for name in (*ClaimServices.__annotations__, *vars(ClaimServices))
    if not name.startswith("_")
)
