package io.provisioner.dev.bench;

/**
 * One measured figure beside the seed's figure for the same workload. {@code seed} is NaN where the
 * edge function has no such figure; {@code target} is issue 9's, empty where it sets none.
 */
record Figure(String scenario, String metric, String unit, double value, double seed, String target) {

    /** Measured over seed; NaN when either is missing or the seed's is 0. */
    double ratio() {
        return Double.isNaN(seed) || seed == 0 || Double.isNaN(value) ? Double.NaN : value / seed;
    }
}
