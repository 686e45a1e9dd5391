#!/usr/bin/python3
"""Shared helper for fetch_music.sh and render_midi.sh (stdlib only).

  music_index.py seconds FILE            print the duration in seconds (libsndfile via ctypes)
  music_index.py peak FILE               print the sample peak of a 16-bit PCM WAV (0..1)
  music_index.py trim FILE SECONDS       cut a 16-bit PCM WAV to SECONDS with a 2 s fade-out
  music_index.py build ROOT OUT          scan ROOT/<package>/<file>, write the TSV index OUT

The index has a header and the columns: path, package, seconds, split.
path is ROOT/<package>/<file> exactly as ROOT was given (the scripts pass a path
relative to the repository root). split is "train" or "val", by whole song: about 15 %
of each package's songs, at least 2, chosen by a hash of "<package>/<file>", so it
never depends on the machine or the run.
"""
import array
import ctypes
import ctypes.util
import hashlib
import os
import sys
import wave

AUDIO_EXTENSIONS = (".ogg", ".oga", ".opus", ".mp3", ".flac", ".wav")
VAL_FRACTION = 0.15
MIN_VAL_PER_PACKAGE = 2


class _SfInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


_sndfile = None


def seconds(path):
    """Duration from libsndfile's frame count (the same decoder the C++ loader uses)."""
    global _sndfile
    if _sndfile is None:
        _sndfile = ctypes.CDLL(ctypes.util.find_library("sndfile") or "libsndfile.so.1")
        _sndfile.sf_open.restype = ctypes.c_void_p
        _sndfile.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_SfInfo)]
        _sndfile.sf_close.argtypes = [ctypes.c_void_p]
    info = _SfInfo()
    handle = _sndfile.sf_open(os.fsencode(path), 0x10, ctypes.byref(info))  # SFM_READ
    if not handle:
        return 0.0
    _sndfile.sf_close(handle)
    return info.frames / info.samplerate if info.samplerate > 0 else 0.0


def wav16_peak(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise SystemExit(f"{path}: expected 16-bit PCM")
        peak = 0
        while True:
            chunk = w.readframes(1 << 16)
            if not chunk:
                break
            samples = array.array("h", chunk)
            peak = max(peak, max(samples), -min(samples))
    return peak / 32768.0


def wav16_trim(path, max_seconds, fade_seconds=2.0):
    """Keeps the first max_seconds of a 16-bit WAV (in place), fading out the end."""
    with wave.open(path, "rb") as w:
        params = w.getparams()
        keep = int(max_seconds * params.framerate)
        if params.sampwidth != 2 or params.nframes <= keep:
            return
        samples = array.array("h", w.readframes(keep))
    channels = params.nchannels
    fade = min(int(fade_seconds * params.framerate), keep)
    for i in range(fade):
        g = (fade - i) / fade
        base = (keep - fade + i) * channels
        for c in range(channels):
            samples[base + c] = int(samples[base + c] * g)
    tmp = path + ".trim.wav"
    with wave.open(tmp, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(params.framerate)
        w.writeframes(samples.tobytes())
    os.replace(tmp, path)


def hash_unit(key):
    """Deterministic number in [0, 1) for a song key."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], 16) / float(1 << 48)


def assign_splits(names):
    """names: songs ("package/file") of one package. Returns {name: split}.

    The songs are ranked by hash; the first round(VAL_FRACTION * n) of them, but at
    least MIN_VAL_PER_PACKAGE (1 for packages of 2-3 songs, none for a single song),
    go to val. So every package has about the same share of val songs, and a song's
    split depends only on its name and its package's song list.
    """
    n = len(names)
    n_val = max(int(VAL_FRACTION * n + 0.5), MIN_VAL_PER_PACKAGE if n >= 4 else (1 if n >= 2 else 0))
    val = set(sorted(names, key=hash_unit)[:n_val])
    return {name: ("val" if name in val else "train") for name in names}


def build(root, out):
    rows = []
    for package in sorted(os.listdir(root)):
        folder = os.path.join(root, package)
        if not os.path.isdir(folder):
            continue
        files = sorted(f for f in os.listdir(folder) if f.lower().endswith(AUDIO_EXTENSIONS))
        splits = assign_splits([f"{package}/{f}" for f in files])
        for f in files:
            path = os.path.join(folder, f)
            rows.append((path, package, seconds(path), splits[f"{package}/{f}"]))
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("path\tpackage\tseconds\tsplit\n")
        for path, package, secs, split in rows:
            fh.write(f"{path}\t{package}\t{secs:.2f}\t{split}\n")
    os.replace(tmp, out)
    n_val = sum(1 for r in rows if r[3] == "val")
    hours = sum(r[2] for r in rows) / 3600.0
    print(f"{out}: {len(rows)} songs ({len(rows) - n_val} train, {n_val} val), {hours:.1f} h")


def main(argv):
    if len(argv) == 3 and argv[1] == "seconds":
        print(f"{seconds(argv[2]):.2f}")
    elif len(argv) == 3 and argv[1] == "peak":
        print(f"{wav16_peak(argv[2]):.5f}")
    elif len(argv) == 4 and argv[1] == "trim":
        wav16_trim(argv[2], float(argv[3]))
    elif len(argv) == 4 and argv[1] == "build":
        build(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
