package dev.pairstream.contracts.event;

/** Wording shared by every check that rejects a schema version newer than this code reads. */
public final class SchemaVersions {

    private SchemaVersions() {
    }

    /**
     * Returns the problem text for a record written with a newer schema version, to follow the field name
     * ({@code "ErasurePair.schemaVersion is 2, ..."}).
     */
    public static String newerThanSupported(int schemaVersion, int supportedVersion) {
        return "is " + schemaVersion + ", newer than the supported version " + supportedVersion
                + "; upgrade pipeline-contracts in this service to read it";
    }
}
