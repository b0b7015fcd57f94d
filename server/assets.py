"""htmx, pinned: loaded from its CDN with Subresource Integrity, or served
locally from a copy installed at set-up (`studentvoice fetch-htmx`) and checked
against the same hash. Never committed to the repository."""

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from server import STATIC_DIR

VENDOR_DIR = STATIC_DIR / "vendor"


@dataclass(frozen=True)
class PinnedScript:
    package: str
    version: str
    path_in_package: str
    integrity: str

    @property
    def filename(self) -> str:
        return Path(self.path_in_package).name

    @property
    def cdn_url(self) -> str:
        return f"https://cdn.jsdelivr.net/npm/{self.package}@{self.version}/{self.path_in_package}"

    @property
    def local_url(self) -> str:
        return f"/static/vendor/{self.filename}"

    @property
    def local_path(self) -> Path:
        return VENDOR_DIR / self.filename


HTMX = PinnedScript(
    package="htmx.org",
    version="2.0.8",
    path_in_package="dist/htmx.min.js",
    integrity="sha384-/TgkGk7p307TH7EXJDuUlgG3Ce1UVolAOFopFekQkkXihi5u/6OCvVKyz1W+idaz",
)
# The websocket extension: a campaign page keeps one socket open and swaps in what it pushes.
HTMX_WS = PinnedScript(
    package="htmx-ext-ws",
    version="2.0.4",
    path_in_package="dist/ws.min.js",
    integrity="sha384-1RwI/nvUSrMRuNj7hX1+27J8XDdCoSLf0EjEyF69nacuWyiJYoQ/j39RT1mSnd2G",
)
PINNED = (HTMX, HTMX_WS)


def integrity_of(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


@dataclass(frozen=True)
class ScriptTag:
    src: str
    integrity: str


def script_tags(source: str) -> list[ScriptTag]:
    return [ScriptTag(p.cdn_url if source == "cdn" else p.local_url, p.integrity) for p in PINNED]


def local_problem() -> str | None:
    """Why the local copies cannot be served, or None when they are all in place."""
    for pinned in PINNED:
        if not pinned.local_path.is_file():
            return (f"HTMX_SOURCE=local but {pinned.local_path} is missing: "
                    "run `studentvoice fetch-htmx` first.")
        if integrity_of(pinned.local_path.read_bytes()) != pinned.integrity:
            return (f"{pinned.local_path} is not {pinned.package} {pinned.version}: "
                    "run `studentvoice fetch-htmx` again.")
    return None


def _from_npm(pinned: PinnedScript, workdir: Path) -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        raise OSError("npm is not installed")
    subprocess.run(  # noqa: S603  (fixed arguments, no shell)
        [npm, "pack", f"{pinned.package}@{pinned.version}", "--silent"],
        cwd=workdir, check=True, capture_output=True, timeout=120,
    )
    tarball = next(workdir.glob("*.tgz"))
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(f"package/{pinned.path_in_package}")
        if member is None:
            raise OSError(f"{pinned.path_in_package} is not in {tarball.name}")
        return member.read()


def _from_cdn(pinned: PinnedScript) -> bytes:
    with urllib.request.urlopen(pinned.cdn_url, timeout=30) as response:  # noqa: S310
        data: bytes = response.read()
        return data


def _fetch_one(pinned: PinnedScript) -> bytes:
    """The pinned file from npm, else from the CDN: whichever gives the right hash first."""
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("npm", "CDN"):
            try:
                data = _from_npm(pinned, Path(tmp)) if label == "npm" else _from_cdn(pinned)
            except (OSError, subprocess.SubprocessError, StopIteration) as exc:
                errors.append(f"{label}: {exc}")
                continue
            if integrity_of(data) == pinned.integrity:
                return data
            errors.append(f"{label}: the file's hash does not match the pinned one")
    raise OSError(f"could not fetch {pinned.package} {pinned.version} ({'; '.join(errors)})")


def fetch() -> list[Path]:
    """Install every pinned script into static/vendor/, refusing any copy whose hash differs."""
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for pinned in PINNED:
        data = _fetch_one(pinned)
        pinned.local_path.write_bytes(data)
        written.append(pinned.local_path)
    return written
