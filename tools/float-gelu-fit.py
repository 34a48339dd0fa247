#!/usr/bin/env python3
# Prints the polynomial coefficients of src/Runtime/Kernels/FloatGeluDivided.cs and FloatGeluTable.cs (highest degree first), with the
# fits' maximum errors. Needs mpmath (Debian: apt-get install python3-mpmath).
#   central: Phi(x) = 0.5 + x Q(x^2) for |x| <= 0.75, Q fitted on u = x^2 in [0, 0.75^2]
#   tail:    Phi(-a) = 0.5 exp(-a^2/2) t g(t), t = 1 / (1 + a / (2 sqrt 2)), g fitted in s = t - mid for a in [0.75, 15]
#   exp:     exp(r) = 1 + r + r^2 p(r) for |r| <= ln(2) / 2
import struct

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

# The table form (FloatGeluTable, 16 lanes with AVX-512): Phi(-a) = R(a) exp(-a^2/2) with R(a) = Phi(-a) e^(a^2/2),
# R a degree-5 polynomial in d = a - center on each of 32 intervals. The interval is read off the bits of a + 1:
# its exponent (octaves [1, 2), [2, 4), [4, 8), [8, 16)) and its top 3 mantissa bits (eighths of the octave), so
# the intervals are 1/8 wide near 0, where R needs them narrow, and 1 wide from a = 7. Bits 20-24 of a + 1 are the
# table position (vpermi2ps reads the low 5 bits of each index), so octave e, eighth j sits at ((127 + e) 8 + j) mod 32.
def r_of(a):
    return mp.ncdf(-a) * mp.exp(a * a / 2)


centers, tables, worst = [None] * 32, [None] * 32, mp.mpf(0)
for e in range(4):
    for j in range(8):
        low, width = mp.mpf(2) ** e * (1 + mp.mpf(j) / 8), mp.mpf(2) ** e / 8
        center = low + width / 2 - 1
        fit, error = mp.chebyfit(lambda d: r_of(center + d), [-width / 2, width / 2], 6, error=True)
        worst = max(worst, error / r_of(center + width / 2))
        position = ((127 + e) * 8 + j) % 32
        centers[position], tables[position] = center, fit


def floats(values):
    """C# float literals: each value rounded to float once, printed with the 9 digits that give it back."""
    return "[" + ", ".join("%.9gf" % struct.unpack("f", struct.pack("f", float(v)))[0] for v in values) + "]"


print("table form: R's relative error at most", mp.nstr(worst, 3))
print("Center =", floats(centers))
for power in range(5, -1, -1):
    print(f"R{power} =", floats(t[5 - power] for t in tables))

# exp(-q/2) = 1 - q/2 + q^2 P(q) for |q| <= ln 2 (q = a^2 - 2 k ln 2), P fitted with 5 coefficients
q_max = mp.log(2) * mp.mpf("1.0001")


def p_half(q):
    return mp.mpf(1) / 8 if q == 0 else (mp.exp(-q / 2) - 1 + q / 2) / (q * q)


coefficients, error = mp.chebyfit(p_half, [-q_max, q_max], 5, error=True)
print("exp(-q/2) P =", floats(coefficients), "relative error of exp",
      mp.nstr(error * q_max ** 2 / mp.exp(-q_max / 2), 3))
