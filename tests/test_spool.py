import numpy as np
import pytest

from aligner.documents import Statement
from aligner.engines.spool import Spool, disk_array


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


def test_column_is_computed_on_access():
    spool = Spool([statement(n) for n in range(5)])
    texts = spool.column(lambda s: s.text.upper())
    assert len(texts) == 5
    assert texts[2] == statement(2).text.upper()
    assert list(texts[1:3]) == [statement(1).text.upper(), statement(2).text.upper()]


def test_disk_array_is_a_writable_memory_map():
    vectors = disk_array(1000, 8)
    assert isinstance(vectors, np.memmap) and vectors.dtype == np.float32
    vectors[500:] = 1.5
    assert float(vectors.sum()) == 500 * 8 * 1.5
    assert disk_array(0, 8).shape == (0, 8)
