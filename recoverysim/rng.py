"""Named random streams from one seed, so each source of randomness is independent of the others.

Adding a draw to one stream never shifts another, and two policies run with
the same seed face the same customers, failures and arrivals (common random
numbers).
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """A stable integer for a stream name (Python's hash() changes between runs)."""
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """A numpy Generator per name, each from (scenario seed, replication number, name)."""

    def __init__(self, seed: int, replication: int = 0):
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, np.random.Generator] = {}

    def __getattr__(self, name: str) -> np.random.Generator:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def get(self, name: str) -> np.random.Generator:
        stream = self._streams.get(name)
        if stream is None:
            sequence = np.random.SeedSequence(
                entropy=(self.seed, self.replication), spawn_key=(stream_key(name),)
            )
            stream = self._streams[name] = np.random.Generator(np.random.PCG64(sequence))
        return stream


class BufferedDraws:
    """Scalar draws served from numpy blocks: a scalar numpy call costs ~10x a list pop."""

    def __init__(self, generator: np.random.Generator, block: int = 4096):
        self._generator = generator
        self._block = block
        self._uniform: list[float] = []
        self._exponential: list[float] = []
        self._normal: list[float] = []

    def uniform(self) -> float:
        if not self._uniform:
            self._uniform = self._generator.random(self._block).tolist()
        return self._uniform.pop()

    def exponential(self, mean: float) -> float:
        if not self._exponential:
            self._exponential = self._generator.standard_exponential(self._block).tolist()
        return self._exponential.pop() * mean

    def normal(self) -> float:
        if not self._normal:
            self._normal = self._generator.standard_normal(self._block).tolist()
        return self._normal.pop()


# Odd 64-bit multipliers (from xxhash and splitmix64), one per key position.
_KEY_MULTIPLIERS = tuple(
    np.uint64(m)
    for m in (
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
    )
)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11))
_UNIT = 2.0**-53
# The same constants as Python integers, for KeyedDraws.uniform_list.
_WORD = 2**64 - 1
_KEY_MULTIPLIERS_INT = tuple(int(m) for m in _KEY_MULTIPLIERS)
_MIX1_INT, _MIX2_INT = int(_MIX1), int(_MIX2)
#: Up to this many draws, uniform_list works on Python integers (faster than numpy below about 35).
_PYTHON_DRAWS_UP_TO = 32
#: Up to this many keys in one dimension, uniform() works on Python integers (1 takes 5 us, 8 19 us;
#: numpy ~25 us).
_PYTHON_KEYS_UP_TO = 8


def _as_words(key: np.ndarray | int) -> np.ndarray:
    """A non-negative integer key as 64-bit words, without a copy where the bits already fit."""
    if isinstance(key, np.ndarray):
        return key.view(np.uint64) if key.dtype == np.int64 else key.astype(np.uint64)
    return np.asarray(key, dtype=np.uint64)


def _mix_in_place(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, in place: a bijection on 64-bit words that scatters every input
    bit.

    Written with ufuncs on arrays, which wrap around silently as 64-bit hashing needs.
    """
    shifted = np.empty_like(x)
    np.right_shift(x, _SHIFTS[0], out=shifted)
    np.bitwise_xor(x, shifted, out=x)
    np.multiply(x, _MIX1, out=x)
    np.right_shift(x, _SHIFTS[1], out=shifted)
    np.bitwise_xor(x, shifted, out=x)
    np.multiply(x, _MIX2, out=x)
    np.right_shift(x, _SHIFTS[2], out=shifted)
    np.bitwise_xor(x, shifted, out=x)
    return x


def _few_in_one_dimension(keys: tuple) -> int | None:
    """The length of the keys when they are integers and one-dimensional arrays of one length up to
    _PYTHON_KEYS_UP_TO (at least one array); None otherwise."""
    count = None
    for key in keys:
        if isinstance(key, np.ndarray):
            if (
                key.ndim != 1
                or key.size > _PYTHON_KEYS_UP_TO
                or (count is not None and key.size != count)
            ):
                return None
            count = key.size
        elif not isinstance(key, (int, np.integer)):
            return None
    return count


class KeyedDraws:
    """Uniforms that depend only on (seed, replication, name, keys), never on the order they are
    asked for.

    A stream hands out draws in the order asked, so one extra draw under one
    policy shifts every later draw. Keyed by (customer, their n-th purchase)
    or (customer, their n-th claim), the same person meets the same luck under
    every policy: common random numbers hold even after the paths part.
    Like splitmix64, a uniform is the splitmix64 finaliser of a Weyl-style word:
    the stream's base plus each key times its own odd multiplier (keys are small
    non-negative integers, at most five of them).
    """

    def __init__(self, seed: int, replication: int, name: str):
        words = np.random.SeedSequence(
            entropy=(seed, replication), spawn_key=(stream_key(name),)
        ).generate_state(1, np.uint64)
        self._base = words[0]
        self._base_int = int(words[0])

    def uniform(self, *keys: np.ndarray | int) -> np.ndarray:
        """Uniforms in (0, 1), one per element of the broadcast keys (non-negative integers)."""
        count = _few_in_one_dimension(keys)
        if count is not None:  # a failure or two a day: Python integers beat ~20 numpy calls
            columns = [
                key.tolist() if isinstance(key, np.ndarray) else [int(key)] * count for key in keys
            ]
            return np.array([self.python_uniform(row) for row in zip(*columns)], dtype=np.float64)
        combined = self._base
        for key, multiplier in zip(keys, _KEY_MULTIPLIERS):
            combined = np.add(combined, np.multiply(_as_words(key), multiplier))
        h = _mix_in_place(np.asarray(combined))
        return (np.right_shift(h, _SHIFTS[3]).astype(np.float64) + 0.5) * _UNIT

    def exponential(self, *keys: np.ndarray | int) -> np.ndarray:
        """Unit-mean exponentials by inversion of the keyed uniforms."""
        return -np.log(self.uniform(*keys))

    def python_uniform(self, keys: tuple[int, ...]) -> float:
        """One uniform on Python integers: the words and float of uniform(), bit for bit."""
        x = self._base_int
        for key, multiplier in zip(keys, _KEY_MULTIPLIERS_INT):
            x = (x + key * multiplier) & _WORD
        x ^= x >> 30
        x = (x * _MIX1_INT) & _WORD
        x ^= x >> 27
        x = (x * _MIX2_INT) & _WORD
        x ^= x >> 31
        return ((x >> 11) + 0.5) * _UNIT

    def uniform_rows(self, rows: list[tuple[int, ...]], count: int) -> list[float]:
        """The uniform_list of each row of integer keys, concatenated: one loop for a day's few
        customers.

        For rows of equal length n, the same floats as uniform(*columns[:, None],
        np.arange(count)).ravel().
        """
        draws: list[float] = []
        for keys in rows:
            combined = self._base_int
            for key, multiplier in zip(keys, _KEY_MULTIPLIERS_INT):
                combined = (combined + key * multiplier) & _WORD
            step = _KEY_MULTIPLIERS_INT[len(keys)]
            for index in range(count):
                x = (combined + index * step) & _WORD
                x ^= x >> 30
                x = (x * _MIX1_INT) & _WORD
                x ^= x >> 27
                x = (x * _MIX2_INT) & _WORD
                x ^= x >> 31
                draws.append(((x >> 11) + 0.5) * _UNIT)
        return draws

    def row_word(self, keys: tuple[int, ...]) -> int:
        """The word of the row of draws keyed by `keys`: row_draw(word, len(keys), i) is the i-th
        of uniform_list(keys, n), bit for bit, for a claim that reads a few of its row's draws."""
        combined = self._base_int
        for key, multiplier in zip(keys, _KEY_MULTIPLIERS_INT):
            combined = (combined + key * multiplier) & _WORD
        return combined

    def uniform_list(self, keys: tuple[int, ...], count: int) -> list[float]:
        """uniform(*keys, np.arange(count)).tolist() for integer keys: the same floats, bit for bit.

        A story or a claim's routing needs a few draws at a time, where numpy's ~20 calls
        cost ~25 us however small the array; Python integers do a few draws in a few us.
        """
        if count > _PYTHON_DRAWS_UP_TO:
            return self.uniform(*keys, np.arange(count)).tolist()
        combined = self._base_int
        for key, multiplier in zip(keys, _KEY_MULTIPLIERS_INT):
            combined = (combined + int(key) * multiplier) & _WORD
        step = _KEY_MULTIPLIERS_INT[len(keys)]
        draws = []
        for index in range(count):
            x = (combined + index * step) & _WORD
            x ^= x >> 30
            x = (x * _MIX1_INT) & _WORD
            x ^= x >> 27
            x = (x * _MIX2_INT) & _WORD
            x ^= x >> 31
            draws.append(
                ((x >> 11) + 0.5) * _UNIT
            )  # the top 53 bits are exact in a float, as in uniform()
        return draws


class DrawAndNextRow:
    """For each (key, count): `first.uniform(key, count)` and the row `second.uniform(key,
    count + 1, j)` for j < width, bit for bit, in one numpy call instead of two.

    A purchase occasion draws whether the customer buys (keyed by their purchases so far) and the
    next product's lives (keyed by the purchase it would be): the words of both differ only by a
    constant per column, so one mix serves them all (~20 numpy calls a keyed call, whatever the
    size).
    """

    def __init__(self, first: KeyedDraws, second: KeyedDraws, width: int):
        count_step, slot_step = _KEY_MULTIPLIERS_INT[1], _KEY_MULTIPLIERS_INT[2]
        columns = [first.row_word(())] + [
            (second.row_word(()) + count_step + slot * slot_step) & _WORD for slot in range(width)
        ]
        self._columns = np.array(columns, dtype=np.uint64)

    def draw(self, keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """(n, 1 + width) uniforms: column 0 the first stream's, columns 1.. the second's row."""
        words = np.multiply(_as_words(keys), _KEY_MULTIPLIERS[0])
        words += np.multiply(_as_words(counts), _KEY_MULTIPLIERS[1])
        h = _mix_in_place(np.add(words[:, None], self._columns[None, :]))
        return (np.right_shift(h, _SHIFTS[3]).astype(np.float64) + 0.5) * _UNIT


def row_draw(word: int, position: int, index: int) -> float:
    """The `index`-th draw of the row of KeyedDraws.row_word(keys); `position` is len(keys)."""
    x = (word + index * _KEY_MULTIPLIERS_INT[position]) & _WORD
    x ^= x >> 30
    x = (x * _MIX1_INT) & _WORD
    x ^= x >> 27
    x = (x * _MIX2_INT) & _WORD
    x ^= x >> 31
    return ((x >> 11) + 0.5) * _UNIT
