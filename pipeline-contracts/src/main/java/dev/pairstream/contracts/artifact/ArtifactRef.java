package dev.pairstream.contracts.artifact;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pairstream.contracts.RecordChecks;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Claim-check reference to a blob in an artifact store: records carry this reference instead of the bytes of
 * an image, a Fisher tensor file, an adapter or a report.
 *
 * <p>The reference pins the content: a reader must reject bytes whose SHA-256 digest or size differ. Blobs
 * written by {@link FileSystemArtifactStore} use the URI {@code artifact://sha256/<digest>}; for that scheme
 * the constructor also checks that the URI names the same digest as {@link #sha256()}.
 *
 * @param uri       absolute URI of the blob
 * @param sha256    SHA-256 digest of the content, 64 lowercase hex digits
 * @param sizeBytes size of the content in bytes
 * @param mediaType media type of the content, for example {@code image/png}
 */
@JsonClassDescription("Claim-check reference to a content-addressed blob in the artifact store.")
public record ArtifactRef(
        @JsonProperty(required = true)
        @JsonPropertyDescription("Absolute URI of the blob, artifact://sha256/<sha256> for the file-system store.")
        String uri,
        @JsonProperty(required = true)
        @JsonPropertyDescription("SHA-256 digest of the content: 64 lowercase hex digits.")
        String sha256,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Size of the content in bytes, at least 0.")
        long sizeBytes,
        @JsonProperty(required = true)
        @JsonPropertyDescription("Media type of the content, for example image/png.")
        String mediaType) {

    /** URI scheme of content-addressed blobs. */
    public static final String URI_SCHEME = "artifact";

    /** Prefix of content-addressed URIs; the lowercase hex digest follows it. */
    public static final String URI_PREFIX = URI_SCHEME + "://sha256/";

    private static final RecordChecks CHECK = RecordChecks.forType("ArtifactRef");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    // RFC 6838 restricted names for type and subtype, optionally followed by parameters.
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\\s*;.*)?");

    /** Validates every field; see the class description for the rules. */
    @JsonCreator
    public ArtifactRef {
        CHECK.nonBlank("uri", uri);
        CHECK.present("sha256", sha256);
        if (!isSha256Hex(sha256)) {
            throw CHECK.invalid("sha256", "must be 64 lowercase hex digits but was '" + sha256 + "'");
        }
        CHECK.atLeast("sizeBytes", sizeBytes, 0L);
        CHECK.present("mediaType", mediaType);
        if (!isMediaType(mediaType)) {
            throw CHECK.invalid("mediaType", "must be a media type such as 'image/png' but was '" + mediaType + "'");
        }
        checkUri(uri, sha256);
    }

    /** Creates a reference with the content-addressed URI {@code artifact://sha256/<sha256>}. */
    public static ArtifactRef of(String sha256, long sizeBytes, String mediaType) {
        return new ArtifactRef(URI_PREFIX + sha256, sha256, sizeBytes, mediaType);
    }

    /** Returns whether {@code value} is a SHA-256 digest written as 64 lowercase hex digits. */
    public static boolean isSha256Hex(String value) {
        return value != null && SHA256_HEX.matcher(value).matches();
    }

    /** Returns whether {@code value} is a media type such as {@code image/png}, optionally with parameters. */
    public static boolean isMediaType(String value) {
        return value != null && MEDIA_TYPE.matcher(value).matches();
    }

    /** Returns whether the URI is a content-addressed {@code artifact://sha256/} URI. */
    @JsonIgnore
    public boolean isContentAddressed() {
        return uri.startsWith(URI_PREFIX);
    }

    private static void checkUri(String uri, String sha256) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw CHECK.invalid("uri", "must be a valid URI but was '" + uri + "': " + e.getReason());
        }
        if (!parsed.isAbsolute()) {
            throw CHECK.invalid("uri", "must be an absolute URI with a scheme but was '" + uri + "'");
        }
        if (URI_SCHEME.equalsIgnoreCase(parsed.getScheme()) && !uri.equals(URI_PREFIX + sha256)) {
            throw CHECK.invalid("uri", "must be '" + URI_PREFIX + sha256 + "' to match sha256 but was '" + uri + "'");
        }
    }
}
