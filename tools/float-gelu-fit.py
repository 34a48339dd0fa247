#!/usr/bin/env python3
# Prints the polynomial coefficients of src/Runtime/Kernels/FloatGelu.cs (highest degree first), with the
# fits' maximum errors. Needs mpmath (Debian: apt-get install python3-mpmath).
#   central: Phi(x) = 0.5 + x Q(x^2) for |x| <= 0.75, Q fitted on u = x^2 in [0, 0.75^2]
#   tail:    Phi(-a) = 0.5 exp(-a^2/2) t g(t), t = 1 / (1 + a / (2 sqrt 2)), g fitted in s = t - mid for a in [0.75, 15]
#   exp:     exp(r) = 1 + r + r^2 p(r) for |r| <= ln(2) / 2
import mpmath as mp

mp.mp.dps = 40
central, limit = mp.mpf("0.75"), mp.mpf(15)


def q(u):
    if u == 0:
        return 1 / mp.sqrt(2 * mp.pi)
    x = mp.sqrt(u)
    return (mp.ncdf(x) - mp.mpf("0.5")) / x


coefficients, error = mp.chebyfit(q, [0, central * central], 5, error=True)
print("Q:", [mp.nstr(c, 12) for c in coefficients], "max error", mp.nstr(error, 3))

# t = 1 / (1 + z / 2) with z = a / sqrt 2
t_low, t_high = 1 / (1 + limit / mp.sqrt(8)), 1 / (1 + central / mp.sqrt(8))
mid = (t_low + t_high) / 2


def g(s):
    t = s + mid
    z = (1 / t - 1) * 2
    return mp.erfc(z) * mp.exp(z * z) / t


coefficients, error = mp.chebyfit(g, [t_low - mid, t_high - mid], 10, error=True)
print("mid:", mp.nstr(mid, 10))
print("g:", [mp.nstr(c, 12) for c in coefficients], "max error", mp.nstr(error, 3))

# exp(r) = 1 + r + r^2 p(r) on |r| <= ln(2) / 2, p fitted with 5 coefficients
half_ln2 = mp.log(2) / 2


def p(r):
    return mp.mpf("0.5") if r == 0 else (mp.exp(r) - 1 - r) / (r * r)


coefficients, error = mp.chebyfit(p, [-half_ln2, half_ln2], 5, error=True)
print("exp p:", [mp.nstr(c, 12) for c in coefficients], "max error", mp.nstr(error, 3),
      "relative error of exp", mp.nstr(error * half_ln2 ** 2 / mp.exp(-half_ln2), 3))
