package dev.pairstream.erasure.pretrain;

/**
 * Derives independent seeds from a run seed and counters, so that any batch can be drawn again from the run seed and
 * its step alone. That is what lets a resumed run continue exactly where the interrupted one stopped.
 */
final class Seeds {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private Seeds() {
    }

    /** Mixes the parts into one seed with SplitMix64's finalizer, so nearby inputs give unrelated outputs. */
    static long mix(long... parts) {
        long state = 0x5eed_ba5e_d00d_f00dL;
        for (long part : parts) {
            state = finalizer(state + GOLDEN_GAMMA + finalizer(part));
        }
        return state;
    }

    /** SplitMix64's output function (Steele, Lea and Flood 2014). */
    private static long finalizer(long value) {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
