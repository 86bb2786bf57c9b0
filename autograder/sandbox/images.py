"""The sandbox's Docker images, ``mytorch-sandbox:cpu`` and ``mytorch-sandbox:gpu``, and how to build them.

The grader's Docker backend imports the constants below: the fixed paths inside either image,
the sandbox's uid and gid, and the label whose value must equal :func:`harness_digest` (an image
built from other copies of the harness's files is stale and refused).

``python -m autograder.sandbox.images [cpu|gpu|all] [--base IMAGE]`` (``make images``) builds them from
``infra/docker/Dockerfile`` and ``Dockerfile.gpu`` without any network inside the build: this
module stages the context in a temporary folder (the Dockerfile, the pinned requirements, a
wheelhouse downloaded here for the base's Python and glibc, Fashion-MNIST with a ``SHA256SUMS``
written from :data:`mytorch.data.fashion_mnist.FILES`, the harness) and builds with the Docker SDK.

The base is ``--base`` if given; else the Dockerfile's public default if it is here or can be
pulled; else :data:`LOCAL_BASE`, a Debian bookworm that this module makes with ``debootstrap``
from the machine's Debian mirror (root only), for machines that reach no registry.
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import docker

from autograder.errors import KitError
from autograder.sandbox.harness import HARNESS_FILES
from mytorch.data import fashion_mnist

REPOSITORY = "mytorch-sandbox"
CPU_IMAGE, GPU_IMAGE = f"{REPOSITORY}:cpu", f"{REPOSITORY}:gpu"   # the latest build of each kind
SANDBOX_USER = (10001, 10001)                  # uid, gid of the image's user `student`
PYTHON = "/opt/sandbox/venv/bin/python"
SITE = "/opt/sandbox/site-packages"            # a link to the venv's purelib, whatever its Python
HARNESS = "/opt/sandbox/harness"               # runner.py, probing.py and launch.py, root's, 0644
HARNESS_LABEL = "org.mytorch.harness"

DOCKER_DIR = Path(__file__).resolve().parents[2] / "infra" / "docker"
IMAGES = {"cpu": CPU_IMAGE, "gpu": GPU_IMAGE}
DOCKERFILES = {"cpu": "Dockerfile", "gpu": "Dockerfile.gpu"}
REQUIREMENTS = {"cpu": ("requirements.txt",), "gpu": ("requirements.txt", "requirements-gpu.txt")}
CUDA_REQUIREMENTS = "requirements-cuda.txt"    # for a GPU image on a base without CUDA

LOCAL_BASE = "mytorch-base:bookworm"
DEBIAN_SUITE = "bookworm"
DEBIAN_PACKAGES = "python3,python3-venv,ca-certificates"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
LOCAL_BASE_CHANGES = ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                      "ENV LANG=C.UTF-8"]
# What debootstrap leaves that no sandbox needs: apt's indexes and downloads, logs, manuals,
# translations, and the devices (Docker gives every container its own /dev).
LOCAL_BASE_JUNK = ("var/lib/apt/lists/*", "var/cache/apt/*", "var/cache/debconf/*-old", "var/log/**/*.log",
                   "usr/share/man/*", "usr/share/info/*", "usr/share/locale/*", "dev/*")

# Run in the base: the interpreter and C library the wheelhouse must fit.
PROBE = ("import json, platform, sys; "
         "print(json.dumps({'python': sys.version_info[:2], 'libc': platform.libc_ver(), "
         "'machine': platform.machine()}))")


class ImageError(KitError):
    """A sandbox image, or a Gradescope archive (:mod:`autograder.classroom.gradescope` shares the wheel and
    data helpers), cannot be built; the message says why and what to do."""


def harness_digest():
    """SHA-256 (hex) of the harness: each file's name, a NUL and its bytes, runner.py first.

    The images carry it as the label :data:`HARNESS_LABEL`; the names count, so that swapping the
    two files' contents changes it too.
    """
    digest = hashlib.sha256()
    for path in HARNESS_FILES:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build(kind, base=None, *, client=None, no_cache=False, log=print):
    """Build the image of ``kind`` ("cpu" or "gpu") and return it (a ``docker`` Image).

    Args:
        base: the base image; by default the Dockerfile's, or :data:`LOCAL_BASE` (see the module).
        client: a ``docker.DockerClient``; by default one for the environment's engine.
        no_cache: rebuild every step, as for timing a clean build (the base is kept).
        log: where progress goes, one line per call.

    Raises:
        ImageError: no usable base, no data set, a wheel that cannot be downloaded, a failed step.
    """
    start = time.monotonic()
    client = client or docker.from_env(timeout=600)
    base = choose_base(client, kind, base, log)
    with tempfile.TemporaryDirectory(prefix=f"mytorch-sandbox-{kind}-") as folder:
        context = Path(folder)
        shutil.copyfile(DOCKER_DIR / DOCKERFILES[kind], context / "Dockerfile")
        runtime = _docker_build(client, context, {"BASE": base}, log, target="runtime")
        found = json.loads(client.containers.run(runtime, ["python3", "-c", PROBE], remove=True,
                                                 network_disabled=True))
        requirements = list(REQUIREMENTS[kind])
        arguments = {"BASE": base, "HARNESS_DIGEST": harness_digest()}
        if kind == "gpu":
            cuda_wheels = not has_cuda(client, base)
            arguments["CUDA_WHEELS"] = str(int(cuda_wheels))
            if cuda_wheels:
                requirements.append(CUDA_REQUIREMENTS)
            log(f"CUDA libraries: from {'PyPI (' + CUDA_REQUIREMENTS + ')' if cuda_wheels else 'the base'}")
        _stage_wheels(context, requirements, found, log)
        _stage_data(context)
        _stage_harness(context)
        image = _docker_build(client, context, arguments, log, tag=image_for(kind), nocache=no_cache)
    image.tag(REPOSITORY, kind)
    seconds, megabytes = time.monotonic() - start, image.attrs["Size"] / 1e6
    log(f"built {image_for(kind)} (also {IMAGES[kind]}) on {base} in {seconds:.0f} s: {megabytes:.0f} MB")
    return image


def image_for(kind):
    """The tag of the image of ``kind`` ("cpu" or "gpu") built with this grader's harness, such as
    ``mytorch-sandbox:cpu-1a2b3c4d5e6f``: graders of other versions on one machine (two course
    checkouts, a CI run beside a TA's grading) each find their own image. Every build also tags its
    image ``mytorch-sandbox:cpu`` (or ``:gpu``), the latest."""
    return f"{REPOSITORY}:{kind}-{harness_digest()[:12]}"


def choose_base(client, kind, base=None, log=print):
    """The base to build ``kind`` on, after saying which one and why: see the module's docstring."""
    if base:
        log(f"base {base}: as asked (--base)")
        return base
    default = default_base(kind)
    if _present(client, default):
        log(f"base {default}: the Dockerfile's default, found here")
        return default
    try:
        client.images.pull(default)
        log(f"base {default}: the Dockerfile's default, pulled")
        return default
    except docker.errors.APIError as err:
        reason = (err.explanation or str(err)).splitlines()[0]
    log(f"base {LOCAL_BASE}: the Dockerfile's default {default} is not here and cannot be pulled ({reason})")
    if not _present(client, LOCAL_BASE):
        build_local_base(client, log)
    return LOCAL_BASE


def default_base(kind):
    """The public base named by the ``ARG BASE=`` line of ``kind``'s Dockerfile."""
    return re.search(r"^ARG BASE=(\S+)", (DOCKER_DIR / DOCKERFILES[kind]).read_text(), re.M)[1]


def build_local_base(client, log=print):
    """Make :data:`LOCAL_BASE`: a minimal Debian with python3 and venv, from this machine's mirror.

    ``debootstrap --variant=minbase`` into a temporary folder, less what no sandbox needs, imported
    as an image. Needs root and debootstrap, and about a minute.
    """
    if os.geteuid() != 0 or not shutil.which("debootstrap"):
        raise ImageError(f"no base image: the Dockerfile's default cannot be pulled, and making {LOCAL_BASE} "
                         "needs root and debootstrap (apt-get install debootstrap). Run this as root, "
                         "or pass --base IMAGE with an image that is here.")
    start, mirror = time.monotonic(), debian_mirror()
    log(f"making {LOCAL_BASE} with debootstrap from {mirror}")
    with tempfile.TemporaryDirectory(prefix="mytorch-base-") as folder:
        rootfs, archive = Path(folder) / "rootfs", Path(folder) / "rootfs.tar"
        run_command(["debootstrap", "--variant=minbase", f"--include={DEBIAN_PACKAGES}", DEBIAN_SUITE,
                     str(rootfs), mirror], "debootstrap")
        for pattern in LOCAL_BASE_JUNK:
            for path in rootfs.glob(pattern):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        for path in (rootfs / "usr/share/doc").rglob("*"):   # the licences stay
            if not path.is_dir() and path.name != "copyright":
                path.unlink()
        with tarfile.open(archive, "w") as tar:
            for entry in sorted(rootfs.iterdir()):
                tar.add(entry, arcname=entry.name)
        repository, tag = LOCAL_BASE.split(":")
        client.api.import_image_from_file(str(archive), repository=repository, tag=tag,
                                          changes=LOCAL_BASE_CHANGES)
    megabytes = client.images.get(LOCAL_BASE).attrs["Size"] / 1e6
    log(f"made {LOCAL_BASE} in {time.monotonic() - start:.0f} s: {megabytes:.0f} MB")


def debian_mirror():
    """The mirror that this machine's apt uses for bookworm's main suite, or deb.debian.org.

    Reads ``/etc/apt/sources.list`` and ``sources.list.d`` in both formats: one-line entries
    (``deb [options] URI bookworm ...``) and deb822 stanzas (``URIs:`` with ``Suites: bookworm``).
    """
    apt = Path("/etc/apt")
    for path in [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*"))]:
        text = path.read_text(errors="replace") if path.is_file() else ""
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^([\w-]+):[ \t]*(.*)$", stanza, re.M))
            if DEBIAN_SUITE in fields.get("Suites", "").split() and fields.get("URIs"):
                return fields["URIs"].split()[0]
        for line in text.splitlines():
            entry = re.match(r"\s*deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", line)
            if entry and entry[2] == DEBIAN_SUITE:
                return entry[1]
    return DEFAULT_MIRROR


def _present(client, name):
    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def has_cuda(client, base):
    """Whether ``base`` ships the CUDA runtime: NVIDIA's images say so by setting CUDA_VERSION."""
    environment = client.images.get(base).attrs["Config"].get("Env") or []
    return any(variable.startswith("CUDA_VERSION=") for variable in environment)


def run_command(command, what, env=None):
    """Run ``command`` (in the environment ``env``, default this one's); on failure, raise an
    ImageError with the end of its output."""
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise ImageError(f"{what} failed (exit status {done.returncode}):\n{tail}")


def manylinux_platforms(machine, glibc):
    """pip's platform tags of the wheels that run on ``machine`` ("x86_64") with glibc ``glibc``
    ("2.36") or newer: manylinux2014 and every manylinux_2_N up to that version."""
    glibc_minor = int(glibc.split(".")[1])
    return [f"manylinux2014_{machine}", *(f"manylinux_2_{n}_{machine}" for n in range(5, glibc_minor + 1))]


def download_wheels(dest, requirements, python, platforms, deps=False):
    """``pip download`` into ``dest`` the wheels (never a source distribution) of ``requirements``
    (pip's arguments: names, wheel paths, ``--requirement=FILE``, ``--constraint=FILE``) for
    CPython ``python`` ((major, minor)) on any of ``platforms``; with ``deps``, their dependencies
    too. Raises ImageError if pip fails."""
    major, minor = python
    run_command([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                 *(() if deps else ("--no-deps",)), "--only-binary=:all:", "--python-version",
                 f"{major}.{minor}", "--implementation", "cp", "--abi", f"cp{major}{minor}",
                 *(f"--platform={tag}" for tag in platforms), "--dest", str(dest), *requirements],
                "pip download")


def gzipped_fashion_mnist(folder):
    """Write the four Fashion-MNIST files into ``folder`` as ``NAME.gz``, as found and verified here
    (gzipped here, reproducibly, if found uncompressed). Raises ImageError if they are not here."""
    try:
        directory = fashion_mnist.find_fashion_mnist(download=False)
    except (FileNotFoundError, fashion_mnist.ChecksumError) as err:
        raise ImageError(f"Fashion-MNIST is needed (`make data` fetches it):\n{err}") from err
    for name in fashion_mnist.FILES:
        target = Path(folder) / f"{name}.gz"
        if (directory / target.name).is_file():
            shutil.copyfile(directory / target.name, target)
        else:   # found uncompressed
            target.write_bytes(gzip.compress((directory / name).read_bytes(), mtime=0))


def _stage_wheels(context, requirements, found, log):
    """The requirement files, and in ``wheels/`` exactly the wheels they pin, for the base's platform.

    ``found`` is the base's probe: its Python, which fixes the ABI, and its glibc, up to which every
    manylinux tag fits. ``--no-deps``: a dependency missing from the pins fails the image's install.
    """
    for path in DOCKER_DIR.glob("requirements*.txt"):
        shutil.copyfile(path, context / path.name)
    (major, minor), (libc, libc_version), machine = found["python"], found["libc"], found["machine"]
    if libc != "glibc":
        raise ImageError(f"the base's C library is {libc or 'not glibc'}: the wheels need glibc (manylinux)")
    log(f"wheelhouse for CPython {major}.{minor}, glibc {libc_version}, {machine}: {', '.join(requirements)}")
    download_wheels(context / "wheels", [f"--requirement={DOCKER_DIR / name}" for name in requirements],
                    (major, minor), manylinux_platforms(machine, libc_version))


def _stage_data(context):
    """``data/``: the four Fashion-MNIST files gzipped, as found and verified here, and ``SHA256SUMS``."""
    (context / "data").mkdir()
    gzipped_fashion_mnist(context / "data")
    sums = "".join(f"{digest}  {name}\n" for name, digest in fashion_mnist.FILES.items())
    (context / "SHA256SUMS").write_text(sums)


def _stage_harness(context):
    """``harness/``: the harness files, mode 0644, as the image keeps them (COPY keeps the mode)."""
    (context / "harness").mkdir()
    for path in HARNESS_FILES:
        shutil.copyfile(path, context / "harness" / path.name)
        os.chmod(context / "harness" / path.name, 0o644)


def _docker_build(client, context, arguments, log, tag=None, target=None, nocache=False):
    """``docker build`` of ``context`` by the engine's classic builder, its steps logged; the image."""
    stream = client.api.build(path=str(context), tag=tag, target=target, buildargs=arguments, nocache=nocache,
                              rm=True, forcerm=True, decode=True, timeout=None)
    image_id = None
    for chunk in stream:
        if "error" in chunk:
            raise ImageError(f"docker build of {tag or 'stage ' + target} on {arguments['BASE']} failed: "
                             f"{chunk['error'].strip()}")
        image_id = chunk.get("aux", {}).get("ID", image_id)
        for line in chunk.get("stream", "").splitlines():
            if line.strip():
                log(line.rstrip())
    return client.images.get(tag or image_id)


def main(argv=None):
    """``python -m autograder.sandbox.images [cpu|gpu|all] [--base IMAGE] [--no-cache]``: build the images."""
    parser = argparse.ArgumentParser(prog="python -m autograder.sandbox.images",
                                     description="Build the sandbox's Docker images.")
    parser.add_argument("kind", nargs="?", choices=("cpu", "gpu", "all"), default="all",
                        help="which image (default: both)")
    parser.add_argument("--base", metavar="IMAGE",
                        help="the base image (default: the Dockerfile's, else a local Debian base)")
    parser.add_argument("--no-cache", action="store_true", help="rebuild every step, to time a clean build")
    args = parser.parse_args(argv)
    try:
        for kind in ("cpu", "gpu") if args.kind == "all" else (args.kind,):
            build(kind, args.base, no_cache=args.no_cache)
    except (ImageError, docker.errors.DockerException, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
