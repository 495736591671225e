"""The vendored front-end packages are the pinned versions' files, byte for byte."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import r2pgraph.server

VENDOR = Path(r2pgraph.server.__file__).parent / "static" / "vendor"
PINNED = re.compile(r"^\d+\.\d+\.\d+$")


def test_every_vendored_file_matches_its_recorded_sha256() -> None:
    manifest = json.loads((VENDOR / "vendor.json").read_text())
    assert manifest["packages"], "vendor.json lists no package"
    for package in manifest["packages"]:
        assert PINNED.match(package["version"]), f"{package['name']}: version {package['version']!r} is not pinned"
        assert package["integrity"].startswith("sha512-"), package["name"]
        folder = VENDOR / package["name"].replace("/", "__").lstrip("@")
        assert sorted(package["sha256"]) == sorted(Path(f).name for f in package["files"]), package["name"]
        for name, digest in package["sha256"].items():
            data = (folder / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, f"{folder / name} differs from vendor.json"


def test_nothing_unlisted_lies_in_the_vendor_folder() -> None:
    manifest = json.loads((VENDOR / "vendor.json").read_text())
    listed = {
        VENDOR / package["name"].replace("/", "__").lstrip("@") / name
        for package in manifest["packages"]
        for name in package["sha256"]
    }
    present = {p for p in VENDOR.rglob("*") if p.is_file() and p.name != "vendor.json"}
    assert present == listed
