# The minimax fit behind nn-core/src/exp.rs's Q0..Q4 (issue 14):
#   python3 docs/exp_remez.py 0.3466 5   # needs mpmath; prints the error and the f32 bits
# Minimax fit of e^r ~ 1 + r + r^2 (c0 + c1 r + ... + c_{n-1} r^{n-1}) on [-A, A], relative error.
import mpmath as mp, struct, sys
mp.mp.dps = 50
A = mp.mpf(sys.argv[1]) if len(sys.argv) > 1 else mp.mpf('0.3466')
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
def err(c, r):
    q = mp.mpf(0)
    for ci in reversed(c): q = q * r + ci
    return (1 + r + r * r * q - mp.e ** r) / mp.e ** r
# initial reference: n+1 points, Chebyshev-like, avoiding 0
m = n + 1
pts = [A * mp.cos(mp.pi * (i + 0.5) / m) for i in range(m)]
pts.sort()
for it in range(30):
    # solve: r^2 q(r_i) - (-1)^i E e^{r_i} = e^{r_i} - 1 - r_i
    M = mp.matrix(m, m); b = mp.matrix(m, 1)
    for i, r in enumerate(pts):
        for j in range(n): M[i, j] = r ** (j + 2)
        M[i, n] = -((-1) ** i) * mp.e ** r
        b[i] = mp.e ** r - 1 - r
    sol = mp.lu_solve(M, b)
    c = [sol[j] for j in range(n)]; E = sol[n]
    # find local extrema of err on a dense grid
    N = 4000
    grid = [-A + 2 * A * k / N for k in range(N + 1)]
    vals = [err(c, r) for r in grid]
    ext = []
    for k in range(N + 1):
        v = vals[k]
        left = vals[k - 1] if k > 0 else None
        right = vals[k + 1] if k < N else None
        if (left is None or abs(v) >= abs(left)) and (right is None or abs(v) >= abs(right)) and abs(v) > abs(E) * 0.01:
            ext.append((grid[k], v))
    # keep alternating sequence of largest
    alt = []
    for r, v in ext:
        if alt and mp.sign(alt[-1][1]) == mp.sign(v):
            if abs(v) > abs(alt[-1][1]): alt[-1] = (r, v)
        else:
            alt.append((r, v))
    while len(alt) > m:
        if abs(alt[0][1]) < abs(alt[-1][1]): alt.pop(0)
        else: alt.pop()
    if len(alt) < m: break
    pts = [r for r, _ in alt]
    maxerr = max(abs(v) for v in vals)
print("E", mp.nstr(E, 5), "max", mp.nstr(maxerr, 5), "log2", mp.nstr(mp.log(maxerr, 2), 5))
for ci in c:
    f = struct.unpack('f', struct.pack('f', float(ci)))[0]
    print(mp.nstr(ci, 20), hex(struct.unpack('I', struct.pack('f', f))[0]), repr(f))
