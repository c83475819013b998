"""A stable split of the mutants into N shards (``--shard K/N``) for a CI
matrix: a mutant belongs to shard ``1 + sha256(id) mod N``, so the split does
not depend on the order, the machine or the other mutants."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``"K/N"`` with 1 <= K <= N; ValueError naming the value otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m:
        raise ValueError(f"{text!r} is not K/N (e.g. 2/4)")
    k, n = int(m.group(1)), int(m.group(2))
    if not 1 <= k <= n:
        raise ValueError(f"{text!r}: K must be 1..N")
    return Shard(k, n)


def shard_of(uid: str, count: int) -> int:
    """The shard (1..count) mutant ``uid`` belongs to."""
    return 1 + int(hashlib.sha256(uid.encode()).hexdigest()[:12], 16) % count


def in_shard(uid: str, shard: Shard) -> bool:
    return shard.count == 1 or shard_of(uid, shard.count) == shard.index
