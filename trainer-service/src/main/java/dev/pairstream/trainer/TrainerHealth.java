package dev.pairstream.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Health of the trainer: live while its threads run (a long job keeps it live), ready while it can take work. */
public final class TrainerHealth {

    private TrainerHealth() {
    }

    /** Liveness: the reader thread and the worker pool are alive. */
    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {

        @Inject
        TrainerService service;

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("trainer-threads")
                    .status(service.isLive())
                    .withData("runningJobs", service.activeWorkers())
                    .build();
        }
    }

    /** Readiness: restored, connected, and a worker or a queue place free. */
    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {

        @Inject
        TrainerService service;

        @Override
        public HealthCheckResponse call() {
            TrainerService.Readiness readiness = service.readiness();
            HealthCheckResponseBuilder builder = HealthCheckResponse.named("trainer-capacity")
                    .status(readiness.ready())
                    .withData("runningJobs", service.activeWorkers())
                    .withData("queuedJobs", service.queueDepth());
            if (readiness.error() != null) {
                builder.withData("error", readiness.error());
            }
            return builder.build();
        }
    }
}
