package dev.pairstream.evaluator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Health of the evaluator: live while its consumer thread runs, ready once restored and connected. */
public final class EvaluatorHealth {

    private EvaluatorHealth() {
    }

    /** Liveness: the consumer thread is alive. */
    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {

        @Inject
        EvaluatorService service;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("evaluator-thread").status(service.isLive()).build();
        }
    }

    /** Readiness: restored from the topics and connected. */
    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {

        @Inject
        EvaluatorService service;

        @Override
        public HealthCheckResponse call() {
            EvaluatorService.Readiness readiness = service.readiness();
            HealthCheckResponseBuilder builder = HealthCheckResponse.named("evaluator-consumer")
                    .status(readiness.ready());
            if (readiness.error() != null) {
                builder.withData("error", readiness.error());
            }
            return builder.build();
        }
    }
}
