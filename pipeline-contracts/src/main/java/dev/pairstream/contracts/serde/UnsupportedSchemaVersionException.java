package dev.pairstream.contracts.serde;

import dev.pairstream.contracts.event.SchemaVersions;

/**
 * Signals a record written with a newer schema version than this code reads. The record may be valid, so a
 * consumer may prefer to stop and wait for an upgrade over dead-lettering it.
 */
public class UnsupportedSchemaVersionException extends RecordValidationException {

    private static final long serialVersionUID = 1L;

    private final int schemaVersion;
    private final int supportedVersion;

    /** Creates the exception for a record of {@code recordType} with {@code schemaVersion}. */
    public UnsupportedSchemaVersionException(String recordType, int schemaVersion, int supportedVersion) {
        super(recordType + ".schemaVersion",
                recordType + ".schemaVersion " + SchemaVersions.newerThanSupported(schemaVersion, supportedVersion),
                null);
        this.schemaVersion = schemaVersion;
        this.supportedVersion = supportedVersion;
    }

    /** Returns the schema version of the record. */
    public int schemaVersion() {
        return schemaVersion;
    }

    /** Returns the newest schema version this code reads. */
    public int supportedVersion() {
        return supportedVersion;
    }
}
