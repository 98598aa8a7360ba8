"""`units import` takes an optional `members` column (the unit's size)."""
import pytest

from storage.db import session_scope
from storage.models import Unit
from storage.units_import import UnitImportError, import_units, parse_members
from storage import repo

HEADER = ["code", "name", "parent_code", "members"]


def test_members_column_is_imported_and_optional(engine):
    with session_scope(engine) as s:
        import_units(s, HEADER, [["TD", "Tỉnh đoàn", "", ""], ["CD1", "Chi đoàn 1", "TD", "32"]])
    with session_scope(engine) as s:
        assert repo.unit_by_code(s, "CD1").members == 32
        assert repo.unit_by_code(s, "TD").members is None
    with session_scope(engine) as s:  # a file without the column keeps the known sizes
        import_units(s, ["code", "name", "parent_code"], [["TD", "Tỉnh đoàn", ""],
                                                          ["CD1", "Chi đoàn 1", "TD"]])
    with session_scope(engine) as s:
        assert repo.unit_by_code(s, "CD1").members == 32


@pytest.mark.parametrize("text,value", [("32", 32), ("32.0", 32), ("1.200", 1200),
                                        ("1,200", 1200), ("", None), ("ba mươi", None)])
def test_members_as_spreadsheets_write_them(text, value):
    assert parse_members(text) == value


def test_bad_members_value_rejects_the_file(engine):
    with pytest.raises(UnitImportError) as err:
        with session_scope(engine) as s:
            import_units(s, HEADER, [["TD", "Tỉnh đoàn", "", "ba mươi"]])
    assert "dòng 2" in str(err.value) and "members" in str(err.value)
    with session_scope(engine) as s:
        assert s.get(Unit, 1) is None


def test_cli_import_with_members(cli, tmp_path):
    path = tmp_path / "don-vi.csv"
    path.write_text("code,name,parent_code,members\nTD,Tỉnh đoàn,,\nCD1,Chi đoàn 1,TD,40\n",
                    encoding="utf-8")
    result = cli("units", "import", str(path))
    assert result.exit_code == 0, result.output
    path.write_text("code,name,parent_code,members\nTD,Tỉnh đoàn,,\nCD1,Chi đoàn 1,TD,-4\n",
                    encoding="utf-8")
    result = cli("units", "import", str(path))
    assert result.exit_code != 0 and "dòng 3" in result.output and "members" in result.output
