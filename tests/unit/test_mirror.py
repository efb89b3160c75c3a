from pathlib import Path

from pbx.asterisk_root import DEFAULT_MIRROR, mirror_from_apt_sources


def test_deb822_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n"
    )
    assert mirror_from_apt_sources(tmp_path) == "http://mirror.example/debian"


def test_one_line_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "deb [arch=amd64] http://ftp.example.org/debian bookworm main\n"
    )
    assert mirror_from_apt_sources(tmp_path) == "http://ftp.example.org/debian"


def test_fallback(tmp_path: Path) -> None:
    assert mirror_from_apt_sources(tmp_path) == DEFAULT_MIRROR
