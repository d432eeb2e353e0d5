"""A claim's luck drawn when read (ClaimLuck) gives the floats of its keyed rows drawn whole."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.model.luck import ROUTING_START, SLOT, SLOTS, WIDTH, ClaimLuckSource


class WholeRows:
    """The luck as kept before: a row of WIDTH keyed draws, the next row when routing runs past."""

    def __init__(self, source, customer, ordinal):
        self.source, self.keys = source, (customer, ordinal)
        self.block, self.cursor = 0, ROUTING_START
        self.values = source.uniform(customer, ordinal, 0, np.arange(WIDTH)).tolist()

    def slot(self, name):
        return self.values[SLOT[name]]

    def uniform(self):
        if self.cursor >= len(self.values):
            self.block += 1
            self.values = self.source.uniform(*self.keys, self.block, np.arange(WIDTH)).tolist()
            self.cursor = 0
        self.cursor += 1
        return self.values[self.cursor - 1]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**31 - 1),
    st.integers(0, 10**7),
    st.integers(0, 40),
    st.lists(st.one_of(st.sampled_from(SLOTS), st.just("routing")), max_size=80),
)
def test_claim_luck_drawn_when_read_is_the_whole_rows(seed, customer, ordinal, reads):
    source = ClaimLuckSource(seed, 4)
    (luck,) = source.batch(np.array([customer]), np.array([ordinal]))
    reference = WholeRows(source._draws, customer, ordinal)
    for read in reads:
        if read == "routing":
            assert luck.uniform() == reference.uniform()
        else:
            assert luck.slot(read) == reference.slot(read)
