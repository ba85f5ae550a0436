import numpy as np
import pytest

from aligner.documents import Statement
from aligner.engines.spool import Spool, disk_array, pick


def statement(n: int) -> Statement:
    return Statement(f"doc:p0s{n}", "doc", f"Πρόταση αριθμός {n} «με εισαγωγικά»", 0, n, 0, 10)


def test_spool_gives_back_what_was_appended_in_any_order():
    items = [statement(n) for n in range(500)]
    spool = Spool(items[:200])
    spool.extend(items[200:499])
    spool.append(items[499])
    assert len(spool) == 500
    assert spool[321] == items[321] and spool[0] == items[0] and spool[-1] == items[-1]
    assert list(spool) == items  # iteration after random access starts from the first item
    assert spool[10:13] == items[10:13]
    spool.append(statement(500))  # appending after reads must not overwrite what was read
    assert spool[499] == items[499] and spool[500] == statement(500)
    with pytest.raises(IndexError):
        spool[501]
    spool.close()


def test_take_reads_any_rows_in_order_asked():
    items = [statement(n) for n in range(3000)] + ["x" * 3_000_000, statement(3000)]  # one unit over a block
    spool = Spool(items)
    rows = [5, 3001, -1, 2999, 5, 0, 3000, 1234, -3002]
    assert spool.take(rows) == [items[row] for row in rows]
    assert spool.take([]) == []
    assert spool[2990:] == items[2990:] and spool[::700] == items[::700]
    with pytest.raises(IndexError):
        spool.take([0, 3002])


def test_iteration_reads_every_unit_in_order():
    items = [statement(n) for n in range(10_000)]
    assert list(Spool(items)) == items
    assert list(Spool()) == []


def test_pick_reads_a_spool_in_bulk_and_other_sequences_row_by_row():
    rows = np.array([7, 2, 2, 9])
    for items in (Spool(range(10)), list(range(10))):
        picked = pick(items, rows)
        assert len(picked) == 4 and picked[1] == 2 and picked[-1] == 9
        assert picked[1:] == [2, 2, 9] and list(picked) == [7, 2, 2, 9]


def test_disk_array_is_a_writable_memory_map():
    vectors = disk_array(1000, 8)
    assert isinstance(vectors, np.memmap) and vectors.dtype == np.float32
    vectors[500:] = 1.5
    assert float(vectors.sum()) == 500 * 8 * 1.5
    assert disk_array(0, 8).shape == (0, 8)
