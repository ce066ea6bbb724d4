package dev.pairstream.evaluator;

import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.event.AdapterPromotion;
import dev.pairstream.contracts.event.EvaluationReport;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Evaluations, their reports and grids, the decision history and rollbacks. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "evaluations", description = "Candidate evaluations, promotions and rollbacks")
public class EvaluatorResource {

    @Inject
    EvaluatorService service;

    @GET
    @Path("evaluations")
    @Operation(summary = "List evaluations", description = "Every evaluation, oldest first.")
    public List<EvaluationReport> evaluations(
            @Parameter(description = "Only this concept set, such as emoji-world-base|pistol")
            @QueryParam("conceptSet") String conceptSet) {
        return service.evaluations(conceptSet);
    }

    @GET
    @Path("evaluations/{adapterId}/{version}")
    @Operation(summary = "The evaluation of one adapter version")
    @APIResponse(responseCode = "200", description = "The evaluation record")
    @APIResponse(responseCode = "404", description = "The version was not evaluated")
    public Response evaluation(@PathParam("adapterId") String adapterId, @PathParam("version") long version) {
        return found(service.evaluation(adapterId, version), adapterId, version, report -> Response.ok(report)
                .build());
    }

    @GET
    @Path("evaluations/{adapterId}/{version}/report")
    @Operation(summary = "The full report of one adapter version",
            description = "Scores of the candidate and the base model, every gate and the provenance.")
    @APIResponse(responseCode = "200", description = "The report JSON")
    @APIResponse(responseCode = "404", description = "The version was not evaluated")
    public Response report(@PathParam("adapterId") String adapterId, @PathParam("version") long version) {
        return found(service.evaluation(adapterId, version), adapterId, version,
                report -> bytes(report.report(), MediaType.APPLICATION_JSON));
    }

    @GET
    @Path("evaluations/{adapterId}/{version}/grid")
    @Produces("image/png")
    @Operation(summary = "The picture grid of one adapter version",
            description = "Per row a training prompt: base model, base model on the safe prompt, candidate.")
    @APIResponse(responseCode = "200", description = "The PNG")
    @APIResponse(responseCode = "404", description = "The version was not evaluated or has no grid")
    public Response grid(@PathParam("adapterId") String adapterId, @PathParam("version") long version) {
        return found(service.evaluation(adapterId, version), adapterId, version,
                report -> report.grid() == null ? error(404, "the evaluation of " + adapterId + "@" + version
                        + " has no grid (the adapter was refused)") : bytes(report.grid(), "image/png"));
    }

    @GET
    @Path("decisions")
    @Operation(summary = "The decision history",
            description = "Promotions, rejections with the failed gates, and rollbacks with their reasons.")
    public List<DecisionView> decisions() {
        return service.decisions();
    }

    @GET
    @Path("promoted")
    @Operation(summary = "The adapter each concept set serves now")
    public Map<String, AdapterPromotion> promoted() {
        return service.promoted();
    }

    @POST
    @Path("rollback")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Serve an earlier adapter again",
            description = "Publishes a ROLLBACK record for an adapter version that an evaluation promoted and whose"
                    + " file still matches its digest.")
    @APIResponse(responseCode = "202", description = "The rollback is published")
    @APIResponse(responseCode = "400", description = "The request is invalid")
    @APIResponse(responseCode = "404", description = "No evaluation ever promoted that adapter version")
    @APIResponse(responseCode = "409", description = "The adapter's file no longer matches its digest")
    @APIResponse(responseCode = "503", description = "The evaluator is restoring or Kafka is unreachable")
    public Response rollback(RollbackRequest request) {
        try {
            return Response.accepted(service.rollback(request)).build();
        } catch (EvaluatorService.RequestException e) {
            return error(e.status(), e.getMessage());
        }
    }

    private Response bytes(ArtifactRef ref, String mediaType) {
        try {
            return Response.ok(service.artifact(ref), mediaType).build();
        } catch (IOException e) {
            return error(500, "the artifact " + ref.uri() + " cannot be read: " + e.getMessage());
        }
    }

    private static Response found(Optional<EvaluationReport> report, String adapterId, long version,
            Function<EvaluationReport, Response> then) {
        return report.map(then).orElseGet(() -> error(404, "no evaluation of " + adapterId + "@" + version));
    }

    private static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
