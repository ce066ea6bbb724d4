package dev.pairstream.trainer;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Lists, starts and cancels training jobs. */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs", description = "DoRA adapter training jobs")
public class TrainerResource {

    @Inject
    TrainerService service;

    @GET
    @Operation(summary = "List jobs", description = "Every job known since the topic's retention, newest first.")
    @APIResponse(responseCode = "200", description = "The jobs",
            content = @Content(schema = @Schema(implementation = JobView.class, type =
                    org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY)))
    public List<JobView> list() {
        return service.jobs();
    }

    @GET
    @Path("/{jobId}")
    @Operation(summary = "Show one job")
    @APIResponse(responseCode = "200", description = "The job",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "No such job")
    public Response get(@PathParam("jobId") String jobId) {
        return service.job(jobId).map(view -> Response.ok(view).build())
                .orElseGet(() -> error(404, "no job " + jobId));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a job by hand",
            description = "Queues a PAIR job for a concept set from its newest (or the named) Fisher snapshot, with"
                    + " optional hyper-parameter overrides.")
    @RequestBody(required = true, content = @Content(schema = @Schema(implementation = JobRequest.class)))
    @APIResponse(responseCode = "202", description = "The job is queued",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "The request is invalid")
    @APIResponse(responseCode = "404", description = "The concept set has no such Fisher snapshot")
    @APIResponse(responseCode = "409", description = "The concept set has an active job, or no pairs")
    @APIResponse(responseCode = "503", description = "The trainer is restoring, or every worker and queue place is taken")
    public Response start(JobRequest request) {
        try {
            return Response.accepted(service.start(request)).build();
        } catch (TrainerService.RequestException e) {
            return error(e.status(), e.getMessage());
        }
    }

    @DELETE
    @Path("/{jobId}")
    @Operation(summary = "Cancel a job", description = "A queued job ends at once, a running one at its next step.")
    @APIResponse(responseCode = "202", description = "Cancellation requested",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "No such job")
    @APIResponse(responseCode = "409", description = "The job has already ended")
    public Response cancel(@PathParam("jobId") String jobId) {
        try {
            return Response.accepted(service.cancel(jobId)).build();
        } catch (TrainerService.RequestException e) {
            return error(e.status(), e.getMessage());
        }
    }

    private static Response error(int status, String message) {
        return Response.status(status).entity(Map.of("error", message)).build();
    }
}
