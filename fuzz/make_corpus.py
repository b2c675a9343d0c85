#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz harness (fuzz/corpus/NAME/), deterministically:
valid inputs of each kind and the edge cases the parsers must refuse. Run it again after
changing a seed; libFuzzer finds the rest. Needs only python3 (and, for one seed, the zstd
command line tool, skipped if missing)."""
import gzip, bz2, hashlib, io, lzma, os, shutil, struct, subprocess, tarfile, zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


# --- a minimal protobuf encoder -------------------------------------------------------
def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def vf(field, n):  # varint field
    return key(field, 0) + varint(n)


def lf(field, data):  # length-delimited field
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def digest(hash_hex, size):
    return lf(1, hash_hex) + vf(2, size)


def sha(data):
    return hashlib.sha256(data).hexdigest()


EMPTY = sha(b"")
H = sha(b"hello")


# --- harness inputs ---------------------------------------------------------------------
def write_request_view():
    name = lf(1, "uploads/0b4f/blobs/%s/5" % H)
    typical = name + vf(4, 0) + vf(5, 1) + lf(10, b"hello")
    seeds = {
        "typical": b"\x00" + typical,
        "typical_cut3": b"\x03\x10\x80\xf0" + typical,
        "empty": b"\x00",
        "offset_only": b"\x00" + vf(4, 1 << 40),
        "negative_offset": b"\x00" + vf(4, -1),
        "unknown_fields": b"\x00" + vf(7, 3) + key(8, 1) + b"\x01" * 8 + key(9, 5) + b"\x02" * 4 + typical,
        "group": b"\x01\x05" + key(12, 3) + vf(1, 1) + key(2, 3) + key(2, 4) + key(12, 4) + typical,
        "wrong_wire_types": b"\x00" + vf(1, 7) + lf(4, b"x") + lf(5, b"y") + vf(10, 9),
        "repeated_fields": b"\x02\x40\xc0" + typical + lf(10, b"second") + lf(1, "later"),
        "long_varint": b"\x00" + key(4, 0) + b"\xff" * 9 + b"\x01",
        "overlong_varint": b"\x00" + key(4, 0) + b"\xff" * 10 + b"\x01",
        "truncated_data": b"\x00" + key(10, 2) + varint(100) + b"abc",
        "field_zero": b"\x00" + b"\x02\x01x",
        "five_byte_key": b"\x00" + b"\xd0\x80\x80\x80\x00" + b"\x05",
        "end_group_alone": b"\x00" + key(3, 4),
        "non_utf8_name": b"\x00" + lf(1, b"\xff\xfe") + lf(10, b"x"),
        "big_data": b"\x07\x01\x02\x03\x50\x80\xa0\xfe" + name + lf(10, bytes(range(256)) * 8),
    }
    return seeds


def resource_name():
    names = [
        "blobs/%s/5" % H,
        "main/blobs/%s/5" % H,
        "a/b/c/blobs/sha256/%s/5" % H,
        "compressed-blobs/zstd/%s/5" % H,
        "i/uploads/u-1/blobs/%s/5" % H,
        "i/uploads/u-1/blobs/%s/5/meta/data" % H,
        "uploads/u/compressed-blobs/zstd/sha1/%s/3" % sha(b"")[:40],
        "blobs/md5/%s/0" % ("d41d8cd98f00b204e9800998ecf8427e"),
        "blobs/%s/-1" % H,
        "blobs/%s/99999999999999999999" % H,
        "blobs/%s/+5" % H,
        "blobs/%s/5" % H.upper(),
        "compressed-blobs/identity/%s/5" % H,
        "blobs/blobs/%s/5" % H,
        "../blobs/%s/5" % H,
        "a//b/blobs/%s/5" % H,
        "uploads//blobs/%s/5" % H,
        "p/logstreams/id",
        "p/logstreams/id/token",
        "logstreams/blobs/x",
        "a/logstreams/b/c/d",
        "",
        "/",
    ]
    return {"name%02d" % i: n.encode() for i, n in enumerate(names)}


def digest_fuzz():
    seeds = {}
    for i, (fn, h, size) in enumerate([
        (0, H, 5), (1, H, 5), (2, sha(b"")[:40], 0), (3, "d41d8cd98f00b204e9800998ecf8427e", 0),
        (4, hashlib.sha384(b"").hexdigest(), 0), (5, hashlib.sha512(b"").hexdigest(), 0),
        (0, EMPTY, 0), (0, H.upper(), 5), (0, H, -1), (7, H, 5), (0, H[:63], 5), (0x80, H, 5),
    ]):
        seeds["digest%02d" % i] = bytes([fn]) + digest(h, size)
    seeds["name_sha256"] = b"\x00sha256"
    return seeds


def sri():
    b64 = lambda data: __import__("base64").b64encode(data).decode()
    texts = [
        "sha256-" + b64(hashlib.sha256(b"x").digest()),
        "sha384-" + b64(hashlib.sha384(b"x").digest()),
        "sha512-" + b64(hashlib.sha512(b"x").digest()),
        "sha1-" + b64(hashlib.sha1(b"x").digest()),
        "sha256-" + b64(hashlib.sha256(b"x").digest())[:-1],
        "sha256-" + b64(hashlib.sha256(b"x").digest()).replace("=", "A"),
        "sha256-====",
        "sha256-",
        "-abc",
        "sha256",
    ]
    return {"sri%02d" % i: t.encode() for i, t in enumerate(texts)}


def qualifiers():
    q = lambda name, value: lf(5, lf(1, name) + lf(2, value))
    b64 = __import__("base64").b64encode(hashlib.sha256(b"x").digest()).decode()
    return {
        "blob": lf(4, "https://example.com/a.tar.gz") + q("checksum.sri", "sha256-" + b64)
                + q("bazel.canonical_id", "x") + q("http_header:Authorization", "Bearer t"),
        "directory_git": lf(4, "https://example.com/r.git.") + q("vcs.branch", "main")
                         + q("vcs.commit", "0" * 40) + q("resource_type", "application/x-git"),
        "uri_headers": lf(4, "a") + lf(4, "b") + q("http_header_url:0:Accept", "*/*")
                       + q("http_header_url:1:X-Y", "z") + q("http_header_url:99999999:A", "b"),
        "bad_header": lf(4, "a") + q("http_header:Bad Name", "v") + q("http_header:X", "a\r\nb"),
        "duplicate": lf(4, "a") + q("x", "1") + q("x", "2"),
        "unknown": lf(4, "a") + q("foo", "bar") + q("", "empty name"),
        "conflict": lf(4, "a.") + q("checksum.sri", "sha256-" + b64) + q("vcs.branch", "-x"),
    }


def units():
    texts = ["4096", "512M", "10G", "1.5GB", "2TiB", "0", "1e3", "9999999999999999999T",
             "90s", "10m", "2h", "500ms", ".5", "-1", "1..2K", "99999999999999999999999h", ""]
    return {"unit%02d" % i: t.encode() for i, t in enumerate(texts)}


def command():
    prop = lambda name, value: lf(1, lf(1, name) + lf(2, value))
    env = lambda name, value: lf(2, lf(1, name) + lf(2, value))
    return {
        "typical": lf(1, "/bin/sh") + lf(1, "-c") + lf(1, "echo hi > out/a") + env("A", "1") + env("PATH", "/bin")
                   + lf(7, "out/a") + lf(6, "work") + lf(5, prop("OSFamily", "linux") + prop("kiln:max-memory", "2G")),
        "limits": lf(1, "x") + lf(5, prop("kiln:max-processes", "10") + prop("kiln:max-file-bytes", "1T")
                                   + prop("kiln:max-log-bytes", "0") + prop("kiln:max-bogus", "1")),
        "paths": lf(1, "x") + lf(3, "a/../b") + lf(4, "/abs") + lf(7, "a//b") + lf(7, "./a") + lf(6, "."),
        "unsorted_env": lf(1, "x") + env("B", "1") + env("A", "2") + env("A=B", "3"),
        "no_args": lf(7, "a"),
        "path_text": b"dir/sub/file",
    }


def dir_node(name, target_index=None, hash_hex=None, size=0):
    # An empty hash: the harness points it at Directory number (size mod count).
    d = digest("", target_index) if hash_hex is None else digest(hash_hex, size)
    return lf(2, lf(1, name) + lf(2, d))


def file_node(name, hash_hex, size, executable=False):
    return lf(1, lf(1, name) + lf(2, digest(hash_hex, size)) + (vf(4, 1) if executable else b""))


def symlink(name, target):
    return lf(3, lf(1, name) + lf(2, target))


def input_tree():
    present = "0" * 63 + "2"   # Present by the fuzz CAS's rule (last hex digit 0-7).
    missing = "0" * 63 + "9"
    leaf = file_node("a.h", present, 10) + file_node("b.h", present, 20, True)
    seeds = {
        "single": lf(1, leaf + symlink("l", "a.h")),
        "two_levels": lf(1, dir_node("inc", 1) + file_node("main.c", present, 100)) + lf(2, leaf),
        "shared_child": lf(1, dir_node("x", 1) + dir_node("y", 1)) + lf(2, dir_node("p", 2) + dir_node("q", 2)) + lf(2, leaf),
        "doubling_chain": lf(1, dir_node("a", 1) + dir_node("b", 1)) + b"".join(
            lf(2, dir_node("a", i + 1) + dir_node("b", i + 1)) for i in range(1, 12)) + lf(2, leaf),
        "deep_chain": lf(1, dir_node("d", 1)) + b"".join(lf(2, dir_node("d", i + 1)) for i in range(1, 30)) + lf(2, leaf),
        "cycle": lf(1, dir_node("a", 1)) + lf(2, dir_node("back", 0)),
        "self": lf(1, dir_node("me", 0)),
        "missing_file": lf(1, file_node("m", missing, 1)),
        "missing_dir": lf(1, dir_node("m", hash_hex=missing, size=10)),
        "unsorted": lf(1, file_node("b", present, 1) + file_node("a", present, 1)),
        "duplicate_across": lf(1, file_node("a", present, 1) + dir_node("a", 0)),
        "bad_names": lf(1, file_node("a/b", present, 1) + file_node("..", present, 1)),
        "bad_digest": lf(1, file_node("a", "XYZ", 1) + file_node("b", present, -5)),
        "empty_target": lf(1, symlink("s", "")),
        "huge_sizes": lf(1, file_node("a", present, (1 << 62)) + file_node("b", present, (1 << 62))),
        "empty": b"",
    }
    return seeds


def action_result():
    present = "0" * 63 + "4"
    tree = lf(1, file_node("f", present, 3) + dir_node("sub", hash_hex=present, size=5)) + lf(2, file_node("g", present, 1))
    part = lambda data: struct.pack("<H", len(data)) + data
    out_file = lambda path, h, size: lf(2, lf(1, path) + lf(2, digest(h, size)))
    out_dir = lambda path, h, size: lf(3, lf(1, path) + lf(3, digest(h, size)))
    return {
        "typical": part(out_file("a.o", present, 3) + out_dir("out", "", 0) + vf(4, 0) + lf(6, digest(present, 2))) + tree,
        "missing": part(out_file("a.o", "0" * 63 + "f", 3)) + tree,
        "bad_digest": part(out_file("a.o", "nothex", 3) + lf(8, digest(present, -1))),
        "bad_tree": part(out_dir("out", "", 0)) + b"\x0a\xff",
        "tree_missing_file": part(out_dir("out", "", 0)) + lf(1, file_node("m", "0" * 63 + "a", 1)),
        "empty": part(b""),
    }


def archives():
    def tar_bytes(entries, mode="w"):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as tar:
            for info, data in entries:
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
        return buf.getvalue()

    def member(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, link=""):
        info = tarfile.TarInfo(name)
        info.type = kind
        info.mode = mode
        info.linkname = link
        info.size = len(data) if kind == tarfile.REGTYPE else 0
        info.mtime = 0
        return info, (data if kind == tarfile.REGTYPE else None)

    basic = [member("d/", tarfile.DIRTYPE, mode=0o755), member("d/a.txt", data=b"hello\n"),
             member("d/run.sh", data=b"#!/bin/sh\n", mode=0o755), member("d/link", tarfile.SYMTYPE, link="a.txt"),
             member("d/hard", tarfile.LNKTYPE, link="d/a.txt")]
    plain = tar_bytes(basic)
    seeds = {
        "tar": plain,
        "tar_gz": gzip.compress(plain, mtime=0),
        "tar_bz2": bz2.compress(plain),
        "tar_xz": lzma.compress(plain),
        "dotdot": tar_bytes([member("../escape", data=b"x")]),
        "absolute": tar_bytes([member("/tmp/kiln-fuzz-absolute", data=b"x")]),
        "symlink_escape": tar_bytes([member("up", tarfile.SYMTYPE, link=".."), member("up/escaped", data=b"x")]),
        "symlink_abs": tar_bytes([member("tmp", tarfile.SYMTYPE, link="/tmp"), member("tmp/kiln-fuzz-escaped", data=b"x")]),
        "hardlink_out": tar_bytes([member("h", tarfile.LNKTYPE, link="../../etc/passwd")]),
        "specials": tar_bytes([member("fifo", tarfile.FIFOTYPE), member("dev", tarfile.CHRTYPE),
                               member("setuid", data=b"x", mode=0o4755), member("setgid", data=b"x", mode=0o2755)]),
        "deep_path": tar_bytes([member("/".join(["p"] * 20) + "/f", data=b"x")]),
        "zeros": gzip.compress(tar_bytes([member("z", data=bytes(2 << 20))]), mtime=0),
        "many": gzip.compress(tar_bytes([member("f%d" % i, data=b"") for i in range(600)]), mtime=0),
        "truncated": plain[:700],
        "dir_mode_000": tar_bytes([member("locked/", tarfile.DIRTYPE, mode=0), member("locked/f", data=b"x")]),
    }
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in [("a.txt", b"hello"), ("sub/b.txt", b"b" * 100), ("../evil", b"x")]:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            z.writestr(info, data)
    seeds["zip"] = zbuf.getvalue()
    if shutil.which("zstd"):
        seeds["tar_zst"] = subprocess.run(["zstd", "-q", "-c", "--no-check"], input=plain, capture_output=True,
                                          check=True).stdout
    return seeds


def zstd_fuzz():
    magic = struct.pack("<I", 0xFD2FB528)

    def raw_frame(data, content_size=True):
        # Frame header: single segment with a 1-byte content size, or no content size.
        fhd = 0x20 if content_size else 0x00
        header = magic + bytes([fhd]) + (bytes([len(data)]) if content_size else b"\x50")
        block = (len(data) << 3 | 0 << 1 | 1).to_bytes(3, "little")  # raw, last
        return header + block + data

    rle = magic + bytes([0x20, 200]) + ((200 << 3) | (1 << 1) | 1).to_bytes(3, "little") + b"z"
    skippable = struct.pack("<II", 0x184D2A50, 4) + b"skip"
    seeds = {
        "raw": b"\x10\x17" + raw_frame(b"hello world"),
        "rle": b"\x00\x17" + rle,
        "two_frames": b"\x02\x17" + raw_frame(b"ab") + skippable + raw_frame(b"cd"),
        "bound_hit": b"\x00\x03" + rle,
        "truncated": b"\x01\x17" + raw_frame(b"hello world")[:-3],
        "bad_magic": b"\x00\x17" + b"\x00" * 12,
        "empty": b"\x00\x00",
    }
    if shutil.which("zstd"):
        data = b"".join(b"line %d of some text\n" % i for i in range(2000))
        seeds["cli_checksum"] = b"\x40\x16" + subprocess.run(["zstd", "-q", "-c", "-3"], input=data,
                                                              capture_output=True, check=True).stdout
    return seeds


def codec_fuzz():
    import zlib

    def deflate(data, level=6):
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()

    text = b"".join(b"line %d of some text\n" % i for i in range(2000))
    stored = zlib.compressobj(0, zlib.DEFLATED, -15)
    return {
        # Deflate (first byte even): fixed and dynamic Huffman, stored blocks, a bomb, a cut.
        "deflate_short": b"\x00\x17\x17" + deflate(b"hello world"),
        "deflate_text": b"\x00\x40\x17" + deflate(text),
        "deflate_stored": b"\x00\x05\x17" + stored.compress(b"raw bytes") + stored.flush(),
        "deflate_bomb": b"\x00\x17\x0a" + deflate(bytes(1 << 20), 9),
        "deflate_cut": b"\x00\x17\x17" + deflate(text)[:-5],
        "deflate_trailing": b"\x00\x17\x17" + deflate(b"abc") + b"more",
        "deflate_zlib_header": b"\x00\x17\x17" + zlib.compress(b"zlib, not raw"),
        # Brotli (first byte odd): the empty stream (WBITS 16, ISLAST, ISLASTEMPTY), then junk.
        "brotli_empty": b"\x01\x17\x17\x06",
        "brotli_trailing": b"\x01\x17\x17\x06tail",
        "brotli_junk": b"\x01\x17\x17" + bytes(range(64)),
        "empty": b"\x01\x00\x00",
    }


def ip_address():
    texts = ["192.0.2.1", "127.0.0.1", "10.0.0.0/8", "0.0.0.0", "255.255.255.255", "::", "::1", "2001:db8::1",
             "::ffff:127.0.0.1", "::ffff:0:10.1.2.3", "64:ff9b::7f00:1", "2002:7f00:1::", "fe80::1%eth0",
             "[::1]", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1:2:3:4:5:6:7:8", "1::2::3",
             "fd00::/8", "10.0.0.1/8", "::/0", "0.0.0.0/0", "1.2.3.4/33", "::1/129", "1.2.3.4/", "/8", "1.2.3.4/08"]
    return {"ip%02d" % i: t.encode() for i, t in enumerate(texts)}


def asset_uri():
    texts = ["file://ROOT/root/file", "file:ROOT/root/sub/deeper", "file://localhost/ROOT/root/file", "file://host/x",
             "file:///ROOT/root/link", "file:///ROOT/root/slash/etc/passwd", "file:///ROOT/root/sub/../file", "file:///ROOT/root/%66ile",
             "file:///ROOT/root/fil%", "file:///ROOT/root/%00", "file:///ROOT/root/file?q#f", "file:relative",
             "https://example.com/repo.git", "http://127.0.0.1/r", "http://127.1/r", "http://0x7f000001/r",
             "http://2130706433/r", "http://[::1]:8080/r", "http://[fe80::1%25eth0]/r", "https://user@host:99/r",
             "https://ex%61mple.com/r", "https://exa mple.com/", "http:///nohost", "ftp://example.com/r",
             "https://xn--bcher-kva.example/r", "http://10.0.0.1./r", "http://0177.0.0.1/r"]
    # The harness replaces "ROOT" with the path of its (temporary) scratch directory.
    return {"uri%02d" % i: t.encode() for i, t in enumerate(texts)}


HARNESSES = {
    "write_request_view": write_request_view, "resource_name": resource_name, "digest": digest_fuzz,
    "sri": sri, "qualifiers": qualifiers, "units": units, "command": command, "input_tree": input_tree,
    "action_result": action_result, "archive": archives, "zstd": zstd_fuzz, "codec": codec_fuzz, "ip_address": ip_address,
    "asset_uri": asset_uri,
}

if __name__ == "__main__":
    for name, make in HARNESSES.items():
        directory = os.path.join(ROOT, name)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for seed, data in make().items():
            with open(os.path.join(directory, seed), "wb") as f:
                f.write(data)
