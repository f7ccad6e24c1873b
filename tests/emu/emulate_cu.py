#!/usr/bin/env python3
"""Test-only: rewrites a CUDA source file into C++ for the host emulation (tests/emu/cuda_emu.hpp).

  emulate_cu.py IN.cu OUT.cpp

Two constructs are not C++ and are rewritten; everything else stays as written (the emulation
header supplies the CUDA names by macros and functions):
  * launches  NAME<TEMPLATE ARGS><<<grid, block[, shared[, stream]]>>>(args);
    become    ::emu::launch(grid, block, shared, stream, [&] { NAME<...>(args); }, "NAME", __FILE__, __LINE__);
  * extern __shared__ T name[];  becomes  T* name = static_cast<T*>(::emu::dynamic_shared());
A #line directive keeps the original file and line numbers in messages.
"""
import re
import sys


def match_back(text, end, open_ch, close_ch):
    """Index of the open_ch matching the close_ch at text[end]."""
    depth = 0
    i = end
    while i >= 0:
        c = text[i]
        if c == close_ch:
            depth += 1
        elif c == open_ch:
            depth -= 1
            if depth == 0:
                return i
        i -= 1
    raise ValueError("unbalanced %s%s before offset %d" % (open_ch, close_ch, end))


def match_forward(text, start, open_ch, close_ch):
    """Index of the close_ch matching the open_ch at text[start]."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced %s%s after offset %d" % (open_ch, close_ch, start))


def split_top_level(s):
    parts, depth, cur = [], 0, ""
    for c in s:
        if c in "(<[{":
            depth += 1
        elif c in ")>]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip():
        parts.append(cur.strip())
    return parts


def rewrite_launches(text):
    out = []
    pos = 0
    while True:
        k = text.find("<<<", pos)
        if k < 0:
            out.append(text[pos:])
            return "".join(out)
        # The kernel expression: an identifier, optionally followed by a template argument list.
        j = k - 1
        while text[j].isspace():
            j -= 1
        name_end = j + 1
        if text[j] == ">":
            j = match_back(text, j, "<", ">") - 1
        while j >= 0 and (text[j].isalnum() or text[j] in "_:"):
            j -= 1
        name_start = j + 1
        kernel = text[name_start:name_end]
        bare = re.match(r"[A-Za-z_:][A-Za-z_0-9:]*", kernel).group(0)
        e = text.find(">>>", k)
        config = split_top_level(text[k + 3 : e])
        while len(config) < 4:
            config.append("0" if len(config) == 2 else "nullptr")
        p = e + 3
        while text[p].isspace():
            p += 1
        if text[p] != "(":
            raise ValueError("no argument list after launch of %s" % kernel)
        q = match_forward(text, p, "(", ")")
        args = text[p + 1 : q]
        line_no = text.count("\n", 0, name_start) + 1
        out.append(text[pos:name_start])
        out.append(
            '::emu::launch(%s, %s, %s, %s, [&] { %s(%s); }, "%s", __FILE__, %d)'
            % (config[0], config[1], config[2], config[3], kernel, args, bare, line_no)
        )
        pos = q + 1


def rewrite_extern_shared(text):
    return re.sub(
        r"extern\s+__shared__\s+(?:__align__\(\d+\)\s+)?([A-Za-z_][A-Za-z_0-9:]*)\s+(\w+)\s*\[\s*\]\s*;",
        r"\1* \2 = static_cast<\1*>(::emu::dynamic_shared());",
        text,
    )


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        text = f.read()
    body = rewrite_extern_shared(rewrite_launches(text))
    with open(dst, "w") as f:
        f.write('#include "emu/cuda_emu.hpp"\n#line 1 "%s"\n' % src)
        f.write(body)


if __name__ == "__main__":
    main()
