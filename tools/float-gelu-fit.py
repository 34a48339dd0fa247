#!/usr/bin/env python3
# Prints the tables of src/Runtime/Kernels/FloatGeluTable.cs (16 lanes) and FloatGeluTable8.cs (8 lanes) and the
# exp polynomial they share, and those of FloatGeluDirect.cs, with the fits' maximum errors. Needs mpmath (Debian:
# apt-get install python3-mpmath).
#
# Both forms: Phi(-a) = R(a) exp(-a^2/2) with R(a) = Phi(-a) e^(a^2/2), R a polynomial in d = a - center on each
# interval. The interval is read off the bits of a + 1: its exponent (octaves [1, 2), [2, 4), [4, 8), [8, 16)) and
# its top mantissa bits (2 for the 16 intervals of FloatGeluTable, 1 for the 8 of FloatGeluTable8), so intervals
# are narrow near 0, where R needs them so, and wide far out. The permute reads the low bits of each index, so
# octave e, part j sits at ((127 + e) 2^bits + j) mod 2^(bits + 2).
import struct

import mpmath as mp

mp.mp.dps = 40


def floats(values):
    """C# float literals: each value rounded to float once, printed with the 9 digits that give it back."""
    return "[" + ", ".join("%.9gf" % struct.unpack("f", struct.pack("f", float(v)))[0] for v in values) + "]"


def r_of(a):
    return mp.ncdf(-a) * mp.exp(a * a / 2)


def table(name, bits, degree):
    count = 4 << bits
    centers, fits, worst = [None] * count, [None] * count, mp.mpf(0)
    for e in range(4):
        for j in range(1 << bits):
            width = mp.mpf(2) ** e / (1 << bits)
            low = mp.mpf(2) ** e + j * width
            center = low + width / 2 - 1
            fit, error = mp.chebyfit(lambda d: r_of(center + d), [-width / 2, width / 2], degree + 1, error=True)
            worst = max(worst, error / r_of(center + width / 2))
            position = ((127 + e) * (1 << bits) + j) % count
            centers[position], fits[position] = center, fit
    print(f"{name}: {count} intervals, degree {degree}, R's relative error at most {mp.nstr(worst, 3)}")
    print("Center =", floats(centers))
    for power in range(degree, -1, -1):
        print(f"R{power} =", floats(f[degree - power] for f in fits))


table("FloatGeluTable", 2, 6)
table("FloatGeluTable8", 1, 8)

# exp(-q/2) = 1 - q/2 + q^2 P(q) for |q| <= ln 2 (q = a^2 + 2 k ln 2), P fitted with 5 coefficients
q_max = mp.log(2) * mp.mpf("1.0001")


def p_half(q):
    return mp.mpf(1) / 8 if q == 0 else (mp.exp(-q / 2) - 1 + q / 2) / (q * q)


coefficients, error = mp.chebyfit(p_half, [-q_max, q_max], 5, error=True)
print("exp(-q/2) P (ExpP4 .. ExpP0) =", floats(coefficients), "relative error of exp",
      mp.nstr(error * q_max ** 2 / mp.exp(-q_max / 2), 3))


# FloatGeluDirect: Phi(-a) itself, a polynomial in d = a - center on 32 intervals of a in [0, 7), no exp. The
# interval is the nearest integer to v / 2 with v = a (a + 2), so intervals are 0.2-0.6 wide up to a = 1 and
# narrow like 1 / a far out, where Phi(-a) falls off like exp(-a^2/2). Each interval's fit spans its ends pushed out
# by 1e-4 of its width, for the rounding of v.
def direct_table(degree=6, intervals=32, beta=2, step=2):
    def a_of(v):
        return (-beta + mp.sqrt(beta * beta + 4 * v)) / 2

    centers, fits, worst = [], [], mp.mpf(0)
    for j in range(intervals):
        low, high = a_of(max(0, (j - mp.mpf(0.5)) * step)), a_of((j + mp.mpf(0.5)) * step)
        center = mp.mpf(struct.unpack("f", struct.pack("f", float((low + high) / 2)))[0])  # a float, so d is exact
        half = max(center - low, high - center) * mp.mpf("1.0001")
        fit, error = mp.chebyfit(lambda d: mp.ncdf(-(center + d)), [-half, half], degree + 1, error=True)
        worst = max(worst, error / mp.ncdf(-(center + half)))
        centers.append(center)
        fits.append(fit)
    print(f"FloatGeluDirect: {intervals} intervals, degree {degree}, Phi(-a)'s relative error at most {mp.nstr(worst, 3)}"
          f" for a < {mp.nstr(a_of((intervals - mp.mpf(0.5)) * step), 5)}")
    print("Center (0-15, 16-31) =", floats(centers[:16]), floats(centers[16:]))
    for power in range(degree, -1, -1):
        print(f"P{power} (0-15, 16-31) =", floats(f[degree - power] for f in fits[:16]), floats(f[degree - power] for f in fits[16:]))


direct_table()


# FloatGeluDirect's far lanes, a in [7, 15]: a Phi(-a) e^(a^2/2) as a polynomial in u = 1/a (7 a little lower, for
# the rounding of v)
far = lambda u: mp.ncdf(-1 / u) * mp.exp(1 / (2 * u * u)) / u
far_fit, far_error = mp.chebyfit(far, [mp.mpf(1) / 15, 1 / mp.mpf("6.99")], 6, error=True)
print("FloatGeluDirect far lanes (FarF5 .. FarF0) =", floats(far_fit), "relative error", mp.nstr(far_error / far(mp.mpf(1) / 15), 3))
