#!/usr/bin/env python3
# Prints the tables of src/Runtime/Kernels/FloatGeluTable.cs (16 lanes) and FloatGeluTable8.cs (8 lanes) and the
# exp polynomial they share, with the fits' maximum errors. Needs mpmath (Debian: apt-get install python3-mpmath).
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
