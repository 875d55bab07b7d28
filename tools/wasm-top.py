#!/usr/bin/env python3
"""Largest functions of a wasm module by body size, named from its name section (a
twiggy-style 'top'), plus totals grouped by crate, to see where the widget's bytes go.

Usage: tools/wasm-top.py FILE.wasm [N]

The shipped wasm carries no names: build one that does with the flags of .ci/build-widget plus
CARGO_PROFILE_WASM_RELEASE_STRIP=none, split it with tools/wasm-split, and read split/main.wasm
(sizes are before wasm-bindgen and wasm-opt, so larger than shipped; the ranking holds)."""
import re, subprocess, sys
from collections import defaultdict

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i

data = open(sys.argv[1], 'rb').read()
top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
i = 8; imports = 0; bodies = []; names = {}; data_size = 0
while i < len(data):
    sid = data[i]; size, j = leb(data, i + 1); end = j + size
    if sid == 2:  # imports: count function imports (they take the first indices)
        n, k = leb(data, j)
        for _ in range(n):
            l, k = leb(data, k); k += l
            l, k = leb(data, k); k += l
            kind = data[k]; k += 1
            if kind == 0: _, k = leb(data, k); imports += 1
            elif kind == 1: k += 1; fl, k = leb(data, k); _, k = leb(data, k); k = leb(data, k)[1] if fl & 1 else k
            elif kind == 2: fl, k = leb(data, k); _, k = leb(data, k); k = leb(data, k)[1] if fl & 1 else k
            elif kind == 3: k += 2
            else: k = leb(data, k + 1)[1]
    elif sid == 10:
        n, k = leb(data, j)
        for _ in range(n):
            l, k2 = leb(data, k); bodies.append(l + (k2 - k)); k = k2 + l
    elif sid == 11:
        data_size = size
    elif sid == 0:
        l, k = leb(data, j); nm = data[k:k + l].decode(); k += l
        if nm == 'name':
            while k < end:
                sub = data[k]; sl, k2 = leb(data, k + 1)
                if sub == 1:
                    n, q = leb(data, k2)
                    for _ in range(n):
                        idx, q = leb(data, q); l2, q = leb(data, q)
                        names[idx] = data[q:q + l2].decode('utf-8', 'replace'); q += l2
                k = k2 + sl
    i = end

rows = [(sz, names.get(imports + n, f'func[{imports + n}]')) for n, sz in enumerate(bodies)]
dem = subprocess.run(['c++filt'], input='\n'.join(n for _, n in rows), capture_output=True, text=True).stdout.split('\n')
rows = [(sz, re.sub(r'::h[0-9a-f]{16}$', '', d)) for (sz, _), d in zip(rows, dem)]
total = sum(bodies)
print(f'code {total} B in {len(bodies)} functions; data {data_size} B')
print(f'{"bytes":>8} {"%":>6}  function')
for sz, n in sorted(rows, reverse=True)[:top]:
    print(f'{sz:>8} {100 * sz / total:6.2f}  {n[:150]}')
groups = defaultdict(int)
for sz, n in rows:
    m = re.match(r'^<?&?(?:mut )?(?:dyn )?([A-Za-z_][A-Za-z0-9_]*)', n)
    groups[m.group(1) if m else '?'] += sz
print('\nby crate (first path segment)')
for g, sz in sorted(groups.items(), key=lambda x: -x[1])[:25]:
    print(f'{sz:>8} {100 * sz / total:6.2f}  {g}')
