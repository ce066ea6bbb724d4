package dev.pairstream.erasure.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

    @Test
    void minSnrWeightCapsSignalToNoise() {
        // Given the linear schedule with noise and with velocity prediction
        NoiseSchedule epsilon = new NoiseSchedule(SchedulerConfig.ddpmLinear());
        NoiseSchedule velocity = new NoiseSchedule(
                SchedulerConfig.ddpmLinear().withPredictionType(SchedulerConfig.V_PREDICTION));

        for (int t : new int[] {0, 100, 400, 999}) {
            // When the weight of step t is computed with a cap of 5
            double alphaCumprod = epsilon.alphaCumprod(t);
            double snr = alphaCumprod / (1 - alphaCumprod);

            // Then it is min(SNR, 5) / SNR for noise and min(SNR, 5) / (SNR + 1) for velocity prediction
            assertEquals(Math.min(snr, 5) / snr, epsilon.minSnrWeight(t, 5), 1e-12, "epsilon at " + t);
            assertEquals(Math.min(snr, 5) / (snr + 1), velocity.minSnrWeight(t, 5), 1e-12, "velocity at " + t);
        }
        // The nearly clean step 0 (SNR 9,999) gets 5 / 9,999 with noise prediction, and the noisiest step, whose SNR
        // is below the cap, keeps the full weight
        assertEquals(5.0 / 9999.0, epsilon.minSnrWeight(0, 5), 1e-9);
        assertEquals(1.0, epsilon.minSnrWeight(999, 5), 1e-12);
    }

    @Test
    void minSnrWeightRejectsInvalidGamma() {
        NoiseSchedule schedule = new NoiseSchedule(SchedulerConfig.ddpmLinear());

        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> schedule.minSnrWeight(10, 0));
        assertEquals("Invalid Min-SNR gamma 0.0; expected a finite number > 0", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> schedule.minSnrWeight(10, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> schedule.minSnrWeight(1000, 5));
    }
}
