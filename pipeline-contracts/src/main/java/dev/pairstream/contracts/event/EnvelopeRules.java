package dev.pairstream.contracts.event;

import dev.pairstream.contracts.RecordChecks;
import java.time.Instant;
import java.util.List;

/** Validation of the envelope fields that every event type shares. */
enum EnvelopeRules {
    /** A pipeline input: the causation id is optional and the concepts may still be unknown. */
    ROOT(false, true),
    /** A record derived from another pipeline record: cause and concepts are required. */
    DERIVED(true, false),
    /** A dead letter: the cause is the failed record, whose concepts may be unreadable. */
    DEAD_LETTER(true, true);

    private final boolean causationRequired;
    private final boolean conceptsMayBeEmpty;

    EnvelopeRules(boolean causationRequired, boolean conceptsMayBeEmpty) {
        this.causationRequired = causationRequired;
        this.conceptsMayBeEmpty = conceptsMayBeEmpty;
    }

    /**
     * Checks the envelope fields of one record and returns the immutable copy of its concept ids.
     *
     * @param supportedVersion newest schema version of the record type that this code reads
     */
    List<String> check(
            RecordChecks check, int supportedVersion, int schemaVersion, String recordId, String causationId,
            String baseModelId, List<String> conceptIds, Instant createdAt) {
        checkSchemaVersion(check, supportedVersion, schemaVersion);
        check.nonBlank("recordId", recordId);
        if (causationRequired) {
            check.nonBlank("causationId", causationId);
        } else {
            check.optionalNonBlank("causationId", causationId);
        }
        check.nonBlank("baseModelId", baseModelId);
        if (baseModelId.indexOf(EventKeys.KEY_SEPARATOR) >= 0) {
            throw check.invalid("baseModelId",
                    "must not contain '" + EventKeys.KEY_SEPARATOR + "' but was '" + baseModelId + "'");
        }
        List<String> concepts = check.distinctNonBlankStrings("conceptIds", conceptIds, conceptsMayBeEmpty);
        for (int i = 0; i < concepts.size(); i++) {
            EventKeys.checkConceptId(check, "conceptIds[" + i + "]", concepts.get(i));
        }
        check.present("createdAt", createdAt);
        return concepts;
    }

    /** Checks that a schema version is one that this code can read. */
    static void checkSchemaVersion(RecordChecks check, int supportedVersion, int schemaVersion) {
        check.atLeast("schemaVersion", schemaVersion, 1);
        if (schemaVersion > supportedVersion) {
            throw check.invalid("schemaVersion", SchemaVersions.newerThanSupported(schemaVersion, supportedVersion));
        }
    }
}
