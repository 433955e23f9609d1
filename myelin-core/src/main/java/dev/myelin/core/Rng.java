package dev.myelin.core;

import java.util.Arrays;

/**
 * A seeded random generator that gives the same numbers on every machine and JVM: xoshiro256**
 * seeded through SplitMix64, with normals from Box-Muller computed in {@link StrictMath}.
 * Not thread-safe; give each thread its own (see {@link #split()}).
 *
 * <pre>{@code Rng rng = new Rng(42); Tensor w = Tensor.randn(rng, 784, 256);}</pre>
 */
public final class Rng {
    private long s0, s1, s2, s3;
    private double spareNormal;
    private boolean hasSpare;

    public Rng(long seed) {
        long x = seed;
        x += 0x9E3779B97F4A7C15L; s0 = mix(x);
        x += 0x9E3779B97F4A7C15L; s1 = mix(x);
        x += 0x9E3779B97F4A7C15L; s2 = mix(x);
        x += 0x9E3779B97F4A7C15L; s3 = mix(x);
    }

    private Rng(long[] state) {
        setState(state);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Next 64 random bits. */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        // Lemire's multiply-shift with rejection: unbiased.
        long m = (nextLong() >>> 32) * bound;
        if ((m & 0xFFFFFFFFL) < bound) {
            long threshold = (-bound & 0xFFFFFFFFL) % bound;
            while ((m & 0xFFFFFFFFL) < threshold) m = (nextLong() >>> 32) * bound;
        }
        return (int) (m >>> 32);
    }

    /** Standard normal (Box-Muller; StrictMath keeps it identical across platforms). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareNormal;
        }
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 == 0.0);
        double u2 = nextDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double theta = 2.0 * Math.PI * u2;
        spareNormal = r * StrictMath.sin(theta);
        hasSpare = true;
        return r * StrictMath.cos(theta);
    }

    /** Normal with the given mean and std, redrawn until within two standard deviations (Keras's truncated normal). */
    public double nextTruncatedGaussian(double mean, double std) {
        double z;
        do {
            z = nextGaussian();
        } while (z < -2.0 || z > 2.0);
        return mean + std * z;
    }

    /** Shuffles the array in place (Fisher-Yates). */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A random permutation of 0..n-1. */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p);
        return p;
    }

    /** A new generator seeded from this one: an independent stream, for another thread or layer. */
    public Rng split() {
        return new Rng(nextLong());
    }

    /** The full state, to save in a checkpoint; {@link #fromState} restores it. */
    public long[] state() {
        return new long[]{s0, s1, s2, s3, hasSpare ? 1 : 0, Double.doubleToRawLongBits(spareNormal)};
    }

    public void setState(long[] state) {
        if (state.length != 6) throw new IllegalArgumentException("Rng state must have 6 longs, got " + state.length);
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
        hasSpare = state[4] != 0;
        spareNormal = Double.longBitsToDouble(state[5]);
    }

    public static Rng fromState(long[] state) {
        return new Rng(Arrays.copyOf(state, state.length));
    }
}
