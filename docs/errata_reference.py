#!/usr/bin/env python3
"""Reference computations for docs/errata.md.

Recomputes, independently of the seed documents in /work/shared/seeds/, every
number that docs/errata.md cites.  Standard library only:

* ``fractions.Fraction`` for exact rational arithmetic (linear examples),
* ``decimal.Decimal`` at 60 significant digits for exp/sigmoid values that
  need more precision than float64 (saturated sigmoids, Mazur one-step),
* plain Python ``float`` (IEEE-754 binary64, i.e. Rust ``f64``) for everything
  else, in particular the iterative training runs.

Run:  python3 docs/errata_reference.py
"""

import math
from decimal import Decimal, getcontext
from fractions import Fraction as F

getcontext().prec = 60


def g9(x):
    """Format to 9 significant digits (the precision used in errata.md)."""
    return format(float(x), ".9g")


def frac(x):
    """Exact fraction plus its decimal value."""
    return f"{x} (= {format(float(x), '.12g')})"


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def dsig(z):
    """High-precision sigmoid on Decimal."""
    z = Decimal(z)
    return Decimal(1) / (Decimal(1) + (-z).exp())


def header(t):
    print()
    print("=" * 78)
    print(t)
    print("=" * 78)


# ---------------------------------------------------------------------------
# 000  linear unit  y = w1 x1 + w2 x2 + b,  Loss = (y - yhat)^2, lr 0.1
# ---------------------------------------------------------------------------
def doc000_linear():
    header("000  linear unit (x1=x2=1, y=3, w1=.5, w2=-.3, b=.2, lr=.1, Loss=(y-yhat)^2)")
    x1, x2, y, lr = F(1), F(1), F(3), F(1, 10)
    w1, w2, b = F(1, 2), F(-3, 10), F(1, 5)
    print("exact (Fraction) iterations; each row = parameters and the prediction/loss AT those parameters")
    print(" it |   w1     |   w2     |    b     |  yhat    |  Loss (exact)        | grad (each param)")
    fw1, fw2, fb = 0.5, -0.3, 0.2  # float64 twin
    for it in range(0, 6):
        yhat = w1 * x1 + w2 * x2 + b
        loss = (y - yhat) ** 2
        grad = 2 * (yhat - y)  # dLoss/dw1 = grad*x1 etc.; x1=x2=1
        print(f" {it}  | {float(w1):<8.6g} | {float(w2):<8.6g} | {float(b):<8.6g} | {float(yhat):<8.6g} | "
              f"{str(loss):>9} = {float(loss):<9.8g}| {float(grad):.6g}")
        # float64 twin
        fyhat = fw1 * 1.0 + fw2 * 1.0 + fb
        fgrad = 2.0 * (fyhat - 3.0)
        if it <= 3:
            print(f"      f64: w1={fw1!r} w2={fw2!r} b={fb!r} yhat={fyhat!r} loss={(3.0 - fyhat) ** 2!r}")
        print(f"      step {it}->{it + 1}: each parameter changes by -lr*grad = {float(-lr * grad):.6g}")
        w1, w2, b = w1 - lr * grad * x1, w2 - lr * grad * x2, b - lr * grad
        fw1, fw2, fb = fw1 - 0.1 * fgrad, fw2 - 0.1 * fgrad, fb - 0.1 * fgrad
    print("residual (3 - yhat) is multiplied by 1 - 3*2*lr =", frac(1 - 3 * 2 * lr), "per step; loss by", frac((1 - 6 * lr) ** 2))
    print("per-step parameter increment = lr*2*(3-yhat); yhat moves by 3x that")
    print("stability of GD on this problem: |1 - 6*lr| < 1  <=>  0 < lr < 1/3; lr = 1/6 solves in one step")
    # the document's printed rows 2 and 3 are internally inconsistent
    print("printed row 2 check: 1.45 + 0.65 + 1.17 =", format(float(F("1.45") + F("0.65") + F("1.17")), ".2f"),
          "(printed yhat 2.60)")
    print("printed row 3 check: 1.68 + 0.89 + 1.43 =", format(float(F("1.68") + F("0.89") + F("1.43")), ".2f"),
          "(printed yhat 2.96)")
    print("printed loss after iteration 1: (3-1.96)^2 =", frac((3 - F("1.96")) ** 2), "(printed 1.08, rounded)")


# ---------------------------------------------------------------------------
# 000  2-2-1 sigmoid net with raw inputs x1=100, x2=5
# ---------------------------------------------------------------------------
def doc000_sigmoid_net():
    header("000  2-2-1 sigmoid house-price net (x1=100, x2=5)")
    x1, x2 = F(100), F(5)
    z1 = F(1, 2) + F(8, 10) * x1 + F(-2, 10) * x2
    z2 = F(-3, 10) + F(5, 10) * x1 + F(-6, 10) * x2
    print("z1 =", frac(z1), " z2 =", frac(z2))
    a1, a2 = dsig(Decimal("79.5")), dsig(Decimal("46.7"))
    e1, e2 = 1 - a1, 1 - a2
    print("1 - sigmoid(79.5) =", format(e1, ".8e"), " (= e^-79.5/(1+e^-79.5))")
    print("1 - sigmoid(46.7) =", format(e2, ".8e"))
    y = 5 + 10 * a1 - 8 * a2
    print("y exact-ish = 5 + 10 a1 - 8 a2 = 7 + (8(1-a2) - 10(1-a1)) = 7 +", format(y - 7, ".8e"))
    print("  -> y is slightly MORE than 7 (c2 = -8 < 0 and neuron 2 is the less saturated one)")
    fy = 5.0 + 10.0 * sig(79.5) - 8.0 * sig(46.7)
    print("f64: sigmoid(79.5) =", repr(sig(79.5)), " sigmoid(46.7) =", repr(sig(46.7)), " y =", repr(fy))
    # gradient of y wrt inputs (vanishing gradients due to saturation)
    d1, d2 = a1 * (1 - a1), a2 * (1 - a2)
    dy_dx1 = 10 * Decimal("0.8") * d1 + (-8) * Decimal("0.5") * d2
    dy_dx2 = 10 * Decimal("-0.2") * d1 + (-8) * Decimal("-0.6") * d2
    print("sigmoid'(z1) =", format(d1, ".3e"), " sigmoid'(z2) =", format(d2, ".3e"))
    print("dy/dx1 =", format(dy_dx1, ".3e"), " dy/dx2 =", format(dy_dx2, ".3e"), " (vanishing: saturated)")
    print("dy/dc1 = a1 ~ 1, dy/dc2 = a2 ~ 1, dy/dw11 = c1*sigmoid'(z1)*x1 =",
          format(10 * d1 * 100, ".3e"), ", dy/dw21 = c2*sigmoid'(z2)*x1 =", format(-8 * d2 * 100, ".3e"))


# ---------------------------------------------------------------------------
# 000  Taylor / Hessian example  L = t1^2 + 2 t2^2 + t1 t2
# ---------------------------------------------------------------------------
def doc000_taylor():
    header("000  quadratic L = t1^2 + 2 t2^2 + t1 t2 (Taylor / Hessian example)")

    def L(t1, t2):
        return t1 * t1 + 2 * t2 * t2 + t1 * t2

    def grad(t1, t2):
        return (2 * t1 + t2, 4 * t2 + t1)

    H = ((F(2), F(1)), (F(1), F(4)))
    print("grad at (0,0) =", grad(F(0), F(0)), " Hessian =", H)
    # symbolic check of 1/2 t^T H t on several exact points (a quadratic form is
    # determined by its values on (1,0), (0,1), (1,1); extra points for safety)
    ok = True
    for t1, t2 in [(F(1), F(0)), (F(0), F(1)), (F(1), F(1)), (F(3, 7), F(-5, 2)), (F(-2), F(9, 4))]:
        q = F(1, 2) * (t1 * (H[0][0] * t1 + H[0][1] * t2) + t2 * (H[1][0] * t1 + H[1][1] * t2))
        half_printed = F(1, 2) * (2 * t1 ** 2 + 2 * t1 * t2 + 4 * t2 ** 2)
        ok &= (q == L(t1, t2) == half_printed)
    print("1/2 t^T H t == 1/2(2t1^2 + 2t1t2 + 4t2^2) == t1^2 + t1t2 + 2t2^2 == L on test points:", ok)
    det = H[0][0] * H[1][1] - H[0][1] * H[1][0]
    print("det H =", det, " trace =", H[0][0] + H[1][1], " eigenvalues = 3 +- sqrt(2) =",
          g9(3 + math.sqrt(2)), g9(3 - math.sqrt(2)), "-> positive definite, unique minimum L(0,0)=0")
    Hinv = ((H[1][1] / det, -H[0][1] / det), (-H[1][0] / det, H[0][0] / det))
    print("H^-1 =", Hinv)
    for t1, t2 in [(F(1), F(1)), (F(3), F(-2)), (F(-7, 3), F(11, 5))]:
        g1, g2 = grad(t1, t2)
        n1 = t1 - (Hinv[0][0] * g1 + Hinv[0][1] * g2)
        n2 = t2 - (Hinv[1][0] * g1 + Hinv[1][1] * g2)
        print(f"Newton step from ({t1},{t2}) -> ({n1},{n2}), L = {L(n1, n2)}")


# ---------------------------------------------------------------------------
# 001  yhat = w x + b, loss = (yhat - y)^2, lr 0.1, w=b=1, data (2,1), (-1,-5)
# ---------------------------------------------------------------------------
def doc001():
    header("001  yhat = w x + b, loss (yhat-y)^2, lr 0.1, w=b=1, samples (2,1) then (-1,-5)")
    lr = F(1, 10)
    w, b = F(1), F(1)
    data = [(F(2), F(1)), (F(-1), F(-5))]
    print("both samples on y = 2x-3:", [2 * x - 3 == y for x, y in data])
    for k, (x, y) in enumerate(data, 1):
        yhat = w * x + b
        loss = (yhat - y) ** 2
        dy = 2 * (yhat - y)
        db, dw = dy * 1, dy * x
        nb, nw = b - lr * db, w - lr * dw
        print(f"sample {k} (x={x}, y={y}): yhat={frac(yhat)} loss={frac(loss)} dloss/dyhat={frac(dy)} "
              f"dloss/db={frac(db)} dloss/dm={frac(dy)} dloss/dw={frac(dw)}")
        print(f"   -> b_new={frac(nb)} w_new={frac(nw)}")
        if k == 1:
            print("   yhat at x=2 with (w=1, b=1) =", w * 2 + b,
                  "; with (w=1, b_new) =", frac(w * 2 + nb),
                  "; with (w_new, b_new) =", frac(nw * 2 + nb))
            print("   lr*2*(x^2+1) =", lr * 2 * (x * x + 1), "-> the step zeroes the residual on this sample exactly")
            print("   loss on sample 2 with (w=0.2, b=0.6): yhat =", frac(nw * (-1) + nb),
                  " loss =", frac((nw * (-1) + nb + 5) ** 2),
                  "; mean loss over the 2 training samples =",
                  frac((F(0) + (nw * (-1) + nb + 5) ** 2) / 2))
        if k == 2:
            yh2 = nw * x + nb
            print(f"   after step: yhat(x=-1)={frac(yh2)} loss={frac((yh2 - y) ** 2)}; "
                  f"yhat(x=2)={frac(nw * 2 + nb)} loss(sample1)={frac((nw * 2 + nb - 1) ** 2)}")
            print("   distance to (2,-3): before", g9(math.hypot(float(w - 2), float(b + 3))),
                  " after", g9(math.hypot(float(nw - 2), float(nb + 3))))
        w, b = nw, nb
    # float64 twin of the first step
    fw = 1.0 - 0.1 * (2.0 * (1.0 * 2.0 + 1.0 - 1.0) * 2.0)
    fb = 1.0 - 0.1 * (2.0 * (1.0 * 2.0 + 1.0 - 1.0))
    print("f64 first step: w =", repr(fw), " b =", repr(fb), " yhat(2) =", repr(fw * 2.0 + fb))

    # continued per-sample SGD cycling (2,1),(-1,-5),(2,1),...
    w, b = 1.0, 1.0
    first_epoch = None
    first_epoch_l2 = None
    history = []
    for epoch in range(1, 200):
        for x, y in ((2.0, 1.0), (-1.0, -5.0)):
            e = w * x + b - y
            w, b = w - 0.1 * 2.0 * e * x, b - 0.1 * 2.0 * e
        history.append((epoch, w, b))
        if first_epoch is None and max(abs(w - 2.0), abs(b + 3.0)) < 1e-3:
            first_epoch = (epoch, w, b)
        if first_epoch_l2 is None and math.hypot(w - 2.0, b + 3.0) < 1e-3:
            first_epoch_l2 = (epoch, w, b)
    print("SGD (f64), epoch = sample (2,1) then (-1,-5):")
    for ep, ww, bb in history[:3]:
        print(f"   after epoch {ep}: w={ww!r} b={bb!r}")
    print("   error (w-2, b+3) shrinks by exactly 0.64 per epoch after epoch 1 (exact check):",
          _sgd_ratio_exact())
    print("   first epoch with max(|w-2|,|b+3|) < 1e-3:", first_epoch[0],
          f"(w={first_epoch[1]!r}, b={first_epoch[2]!r})")
    print("   first epoch with ||(w-2, b+3)||_2 < 1e-3:", first_epoch_l2[0])
    print("   after 199 epochs: w =", repr(history[-1][1]), " b =", repr(history[-1][2]))


def _sgd_ratio_exact():
    lr = F(1, 10)
    w, b = F(1), F(1)
    errs = []
    for _ in range(4):
        for x, y in ((F(2), F(1)), (F(-1), F(-5))):
            e = w * x + b - y
            w, b = w - lr * 2 * e * x, b - lr * 2 * e
        errs.append((w - 2, b + 3))
    ratios = [(errs[i + 1][0] / errs[i][0], errs[i + 1][1] / errs[i][1]) for i in range(3)]
    return ratios


# ---------------------------------------------------------------------------
# 002  MSE table, 2-2-1 sigmoid net, all weights 1, biases 0, x = (-2, 5)
# ---------------------------------------------------------------------------
def doc002():
    header("002  MSE table and 2-2-1 sigmoid net (weights 1, biases 0, x=(-2,5), y=1)")
    errs = [1, 1, 0, 0]
    print("table errors (y-yhat):", errs, " MSE =", frac(F(sum(e * e for e in errs), 4)),
          "; printed (1+1+0+1)/4 =", frac(F(1 + 1 + 0 + 1, 4)))
    x1, x2 = -2.0, 5.0
    h_in = x1 + x2
    h1 = sig(h_in)
    o_in = h1 + h1
    o1 = sig(o_in)
    print("h1 = h2 = f(3) =", repr(h1), "->", g9(h1), "(4 d.p. 0.9526; 3 d.p. rounded 0.953; printed 0.952 is truncated)")
    print("high precision f(3) =", format(dsig(3), ".15f"))
    print("o1 = f(h1+h2) = f(", repr(o_in), ") =", repr(o1), "->", g9(o1))
    print("o1 from the printed rounded h: f(0.952+0.952) = f(1.904) =", g9(sig(1.904)))
    print("printed 0.721 reproduced by f(0.952) =", g9(sig(0.952)), "(activation applied to ONE h only)")
    L = (1 - o1) ** 2
    dL_do = -2 * (1 - o1)
    do_dh1 = 1.0 * o1 * (1 - o1)       # w5 * f'(o_in)
    dh1_dw1 = x1 * h1 * (1 - h1)       # x1 * f'(h_in)
    dL_dw1 = dL_do * do_dh1 * dh1_dw1
    print("L = (1-o1)^2 =", g9(L))
    print("dL/do1 = -2(1-o1) =", g9(dL_do))
    print("do1/dh1 = w5 f'(o_in) = o1(1-o1) =", g9(do_dh1))
    print("dh1/dw1 = x1 f'(h_in) = -2 * h1(1-h1) =", g9(dh1_dw1), " (h1(1-h1) =", g9(h1 * (1 - h1)), ")")
    print("dL/dw1 =", repr(dL_dw1), "->", g9(dL_dw1))
    # with the document's wrong factor w1 instead of x1 (w1 = 1)
    print("with the printed (wrong) factor w1 (=1) instead of x1:", g9(dL_do * do_dh1 * 1.0 * h1 * (1 - h1)))
    # central-difference check
    def loss_w1(w1):
        hh1 = sig(w1 * x1 + x2)
        return (1 - sig(hh1 + h1)) ** 2
    eps = 1e-6
    print("central difference check dL/dw1 ~", g9((loss_w1(1 + eps) - loss_w1(1 - eps)) / (2 * eps)))
    # other gradients for completeness
    dL_dw2 = dL_do * do_dh1 * x2 * h1 * (1 - h1)
    dL_db1 = dL_do * do_dh1 * h1 * (1 - h1)
    dL_dw5 = dL_do * o1 * (1 - o1) * h1
    dL_db3 = dL_do * o1 * (1 - o1)
    print("also: dL/dw2 =", g9(dL_dw2), " dL/db1 =", g9(dL_db1), " dL/dw5 = dL/dw6 =", g9(dL_dw5),
          " dL/db3 =", g9(dL_db3), " (dL/dw3 = dL/dw1, dL/dw4 = dL/dw2 by symmetry)")


# ---------------------------------------------------------------------------
# 003  forward-difference gradient (truncation error demo on Mazur's net)
# ---------------------------------------------------------------------------
def doc003():
    header("003  forward-difference gradient, eps = 1e-4 (demo on the 004 network, parameter w5)")
    p = mazur_init()
    g_exact = mazur_grads(p, update_biases="frozen")["w5"]
    eps = 1e-4

    def E_w5(v):
        q = dict(p)
        q["w5"] = v
        return mazur_forward(q)["E"]

    fwd = (E_w5(p["w5"] + eps) - E_w5(p["w5"])) / eps
    ctr = (E_w5(p["w5"] + eps) - E_w5(p["w5"] - eps)) / (2 * eps)
    h = 1e-4
    second = (E_w5(p["w5"] + h) - 2 * E_w5(p["w5"]) + E_w5(p["w5"] - h)) / (h * h)
    print("analytic dE/dw5 =", g9(g_exact))
    print("forward difference (eps=1e-4) =", g9(fwd), " error =", format(fwd - g_exact, ".3e"),
          " ~ eps/2 * d2E/dw5^2 =", format(eps / 2 * second, ".3e"))
    print("central difference (eps=1e-4) =", g9(ctr), " error =", format(ctr - g_exact, ".3e"))


# ---------------------------------------------------------------------------
# 004  part 1: f(x) = w x,  E = 1/2 (w x - t)^2, x = t = 1
# ---------------------------------------------------------------------------
def doc004_scalar():
    header("004  f(x)=wx, E=1/2(wx-t)^2, x=t=1, w0=0")
    for eta in (F(1, 2), F(3, 2), F(1), F(1, 10), F(2), F(5, 2)):
        w = F(0)
        ws, Es = [w], []
        for _ in range(6):
            Es.append(F(1, 2) * (w - 1) ** 2)
            w = w - eta * 1 * (w * 1 - 1)
            ws.append(w)
        print(f"eta={str(eta):>4}: factor (1-eta) = {str(1 - eta):>5}; w: {', '.join(str(v) for v in ws[:5])}; "
              f"E (before each update): {', '.join(str(v) for v in Es[:5])}")
        print(f"          decimal: w: {', '.join(format(float(v), '.9g') for v in ws[:5])}; "
              f"E: {', '.join(format(float(v), '.9g') for v in Es[:5])}")
    print("gradient at epoch 1:", 1 * (0 * 1 - 1), "; at epoch 2:", 1 * (F(1, 2) - 1))
    # how many epochs for |w-1| < 1e-3 from w=0 (f64)
    for eta in (0.1, 0.5, 1.0, 1.5, 1.9):
        w, k = 0.0, 0
        while abs(w - 1.0) >= 1e-3 and k < 10000:
            w = w - eta * (w - 1.0)
            k += 1
        print(f"   eta={eta}: updates until |w-1| < 1e-3: {k}")
    print("convergence iff |1-eta| < 1  <=>  0 < eta < 2; eta=2 oscillates 0,2,0,2 forever; eta>2 diverges")


# ---------------------------------------------------------------------------
# 004  part 2: Mazur's 2-2-2 network
# ---------------------------------------------------------------------------
I1, I2, T1, T2 = 0.05, 0.10, 0.01, 0.99


def mazur_init(per_neuron=False):
    p = dict(w1=0.15, w2=0.20, w3=0.25, w4=0.30, w5=0.40, w6=0.45, w7=0.50, w8=0.55)
    if per_neuron:
        p.update(bh1=0.35, bh2=0.35, bo1=0.60, bo2=0.60)
    else:
        p.update(b1=0.35, b2=0.60)
    return p


def _biases(p):
    if "bh1" in p:
        return p["bh1"], p["bh2"], p["bo1"], p["bo2"]
    return p["b1"], p["b1"], p["b2"], p["b2"]


def mazur_forward(p):
    bh1, bh2, bo1, bo2 = _biases(p)
    h1_in = p["w1"] * I1 + p["w2"] * I2 + bh1
    h2_in = p["w3"] * I1 + p["w4"] * I2 + bh2
    h1, h2 = sig(h1_in), sig(h2_in)
    o1_in = p["w5"] * h1 + p["w6"] * h2 + bo1
    o2_in = p["w7"] * h1 + p["w8"] * h2 + bo2
    o1, o2 = sig(o1_in), sig(o2_in)
    E1, E2 = 0.5 * (o1 - T1) ** 2, 0.5 * (o2 - T2) ** 2
    return dict(h1_in=h1_in, h2_in=h2_in, h1=h1, h2=h2, o1_in=o1_in, o2_in=o2_in,
                o1=o1, o2=o2, E1=E1, E2=E2, E=E1 + E2)


def mazur_grads(p, update_biases):
    f = mazur_forward(p)
    h1, h2, o1, o2 = f["h1"], f["h2"], f["o1"], f["o2"]
    do1 = (o1 - T1) * o1 * (1 - o1)
    do2 = (o2 - T2) * o2 * (1 - o2)
    dh1 = (do1 * p["w5"] + do2 * p["w7"]) * h1 * (1 - h1)
    dh2 = (do1 * p["w6"] + do2 * p["w8"]) * h2 * (1 - h2)
    g = dict(w1=dh1 * I1, w2=dh1 * I2, w3=dh2 * I1, w4=dh2 * I2,
             w5=do1 * h1, w6=do1 * h2, w7=do2 * h1, w8=do2 * h2,
             do1=do1, do2=do2, dh1=dh1, dh2=dh2)
    if update_biases == "shared":
        g.update(b1=dh1 + dh2, b2=do1 + do2)
    elif update_biases == "per_neuron":
        g.update(bh1=dh1, bh2=dh2, bo1=do1, bo2=do2)
    return g


def mazur_step(p, eta, update_biases):
    g = mazur_grads(p, update_biases)
    q = dict(p)
    for k in p:
        if k in g:
            q[k] = p[k] - eta * g[k]
    return q


def doc004_mazur():
    header("004  2-2-2 network (Mazur): i=(0.05,0.10), t=(0.01,0.99), eta=0.5, E=1/2 sum (o-t)^2")
    p = mazur_init()
    f = mazur_forward(p)
    for k in ("h1_in", "h2_in", "h1", "h2", "o1_in", "o2_in", "o1", "o2", "E1", "E2", "E"):
        print(f"{k:>6} = {f[k]!r:<22} -> {g9(f[k])}")
    print("note: with 2 outputs, 1/2*sum = mean over outputs; the true per-output MSE equals E here:",
          g9(((f['o1'] - T1) ** 2 + (f['o2'] - T2) ** 2) / 2))
    g = mazur_grads(p, "shared")
    for k in ("do1", "do2", "dh1", "dh2"):
        print(f"{k:>6} = {g[k]!r:<22} -> {g9(g[k])}")
    for k in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2"):
        print(f"dE/d{k:<3}= {g[k]!r:<24} -> {g9(g[k])}")
    q = mazur_step(p, 0.5, "frozen")
    print("updated weights after one step (eta=0.5; biases frozen, as in Mazur):")
    for k in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
        print(f"   {k}' = {q[k]!r:<22} -> {g9(q[k])}")
    print("E at the updated weights (biases frozen):", g9(mazur_forward(q)["E"]))
    qs = mazur_step(p, 0.5, "shared")
    print("if shared biases are also updated: b1' =", g9(qs["b1"]), " b2' =", g9(qs["b2"]),
          "; E after step =", g9(mazur_forward(qs)["E"]))
    qn = mazur_step(mazur_init(True), 0.5, "per_neuron")
    print("if per-neuron biases are updated: bh1' =", g9(qn["bh1"]), " bh2' =", g9(qn["bh2"]),
          " bo1' =", g9(qn["bo1"]), " bo2' =", g9(qn["bo2"]), "; E after step =", g9(mazur_forward(qn)["E"]))

    # wrong-index variant of delta_h1 (w6 instead of w7) to show it matters
    dh1_wrong = (g["do1"] * p["w5"] + g["do2"] * p["w6"]) * f["h1"] * (1 - f["h1"])
    print("delta_h1 with the other indexing (do1*w5 + do2*w6):", g9(dh1_wrong), "vs correct", g9(g["dh1"]))

    # high-precision one-step check (Decimal)
    D = Decimal
    i1, i2, t1, t2 = D("0.05"), D("0.10"), D("0.01"), D("0.99")
    w = [D(s) for s in ("0.15", "0.20", "0.25", "0.30", "0.40", "0.45", "0.50", "0.55")]
    b1, b2 = D("0.35"), D("0.60")
    h1 = dsig(w[0] * i1 + w[1] * i2 + b1)
    h2 = dsig(w[2] * i1 + w[3] * i2 + b1)
    o1 = dsig(w[4] * h1 + w[5] * h2 + b2)
    o2 = dsig(w[6] * h1 + w[7] * h2 + b2)
    E = (o1 - t1) ** 2 / 2 + (o2 - t2) ** 2 / 2
    do1 = (o1 - t1) * o1 * (1 - o1)
    do2 = (o2 - t2) * o2 * (1 - o2)
    dh1 = (do1 * w[4] + do2 * w[6]) * h1 * (1 - h1)
    w5n = w[4] - D("0.5") * do1 * h1
    w1n = w[0] - D("0.5") * dh1 * i1
    print("Decimal(60) check: E =", format(E, ".15g"), " w5' =", format(w5n, ".15g"), " w1' =", format(w1n, ".15g"))

    # 10,000 updates
    print("10,000 updates, eta = 0.5, one training sample (f64):")
    for mode, init in (("frozen", mazur_init()), ("shared", mazur_init()), ("per_neuron", mazur_init(True))):
        p = init
        for n in range(10000):
            if n == 9999:
                f_last = mazur_forward(p)  # forward pass of the 10,000th iteration
                E_before_last = f_last["E"]
            p = mazur_step(p, 0.5, mode)
        f = mazur_forward(p)
        extra = ""
        if mode == "shared":
            extra = f" b1={g9(p['b1'])} b2={g9(p['b2'])}"
        if mode == "per_neuron":
            extra = f" bh1={g9(p['bh1'])} bh2={g9(p['bh2'])} bo1={g9(p['bo1'])} bo2={g9(p['bo2'])}"
        print(f"   biases {mode:<10}: E after 10000 updates = {f['E']!r} -> {g9(f['E'])}; "
              f"o1={g9(f['o1'])} o2={g9(f['o2'])}{extra}")
        print(f"      (E seen in the forward pass of the 10,000th iteration, i.e. after 9,999 updates = "
              f"{g9(E_before_last)}; o1={g9(f_last['o1'])} o2={g9(f_last['o2'])})")


def main():
    print("errata_reference.py -- all values computed independently (float64 = IEEE binary64 = Rust f64)")
    doc000_linear()
    doc000_sigmoid_net()
    doc000_taylor()
    doc001()
    doc002()
    doc003()
    doc004_scalar()
    doc004_mazur()


if __name__ == "__main__":
    main()
