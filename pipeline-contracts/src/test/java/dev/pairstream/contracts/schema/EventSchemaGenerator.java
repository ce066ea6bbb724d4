package dev.pairstream.contracts.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.FieldScope;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.generator.impl.PropertySortUtils;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import com.github.victools.jsonschema.module.jackson.JacksonOption;
import dev.pairstream.contracts.event.EventType;
import dev.pairstream.contracts.event.PipelineEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Generates the JSON Schema (draft 2020-12) of each event type from its record class.
 *
 * <p>A property is required exactly when its record component is annotated {@code @JsonProperty(required = true)},
 * which is also what the deserializer enforces; every other property may be absent or {@code null}. Unknown
 * properties are allowed, as the deserializer ignores them.
 */
public final class EventSchemaGenerator {

    // Envelope fields are declared on every event type; one description here keeps the records short.
    private static final Map<String, String> ENVELOPE_DESCRIPTIONS = Map.of(
            "schemaVersion", "Version of this record type's layout; readers reject versions newer than they support.",
            "recordId", "Id of this record, unique across the pipeline.",
            "causationId", "Id of the record this one derives from (for a dead letter: the failed record's id or"
                    + " topic-partition@offset); absent only for a flagged prompt.",
            "baseModelId", "Id of the text-to-image base model; must not contain '|'.",
            "conceptIds", "Distinct ids of the concepts to erase, without whitespace, ',' or '|'; empty only for a"
                    + " flagged prompt or a dead letter.",
            "createdAt", "Creation time of the record, an ISO-8601 instant in UTC.");

    private static final String SHA256_PATTERN = "^[0-9a-f]{64}$";

    private final SchemaGenerator generator;
    private final ObjectMapper mapper = new ObjectMapper();

    /** Creates the generator with the contract's schema conventions. */
    public EventSchemaGenerator() {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(
                SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(new JacksonModule(JacksonOption.RESPECT_JSONPROPERTY_REQUIRED))
                .with(Option.DEFINITIONS_FOR_ALL_OBJECTS, Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES,
                        Option.EXTRA_OPEN_API_FORMAT_VALUES);
        config.forFields()
                .withNullableCheck(field -> !isRequired(field))
                .withDescriptionResolver(field -> !field.isFakeContainerItemScope() && isEnvelopeField(field)
                        ? ENVELOPE_DESCRIPTIONS.get(field.getName())
                        : null)
                .withStringPatternResolver(field -> field.getName().endsWith("sha256")
                        || field.getName().endsWith("Sha256") ? SHA256_PATTERN : null)
                .withNumberInclusiveMinimumResolver(field -> isEnvelopeField(field)
                        && field.getName().equals("schemaVersion") ? BigDecimal.ONE : null);
        // Declaration order, so that the envelope comes first as in the JSON the serdes write.
        config.forTypesInGeneral().withPropertySorter(PropertySortUtils.SORT_PROPERTIES_FIELDS_BEFORE_METHODS);
        this.generator = new SchemaGenerator(config.build());
    }

    /** Generates the schema of one event type as pretty-printed JSON with {@code \n} line ends and a final one. */
    public String generate(EventType type) {
        ObjectNode schema = generator.generateSchema(type.javaType());
        ObjectNode ordered = mapper.createObjectNode();
        ordered.set("$schema", schema.remove("$schema"));
        ordered.put("$comment", "Generated from " + type.javaType().getName() + " (schema version "
                + type.schemaVersion() + ") by " + EventSchemaGenerator.class.getSimpleName() + "; do not edit.");
        ordered.put("title", type.javaType().getSimpleName());
        ordered.setAll(schema);
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return mapper.writer(printer).writeValueAsString(ordered) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the schema of every event type into {@code directory}, replacing older files. */
    public void writeAll(Path directory) throws IOException {
        Files.createDirectories(directory);
        for (EventType type : EventType.values()) {
            Files.writeString(directory.resolve(type.schemaFileName()), generate(type), StandardCharsets.UTF_8);
        }
    }

    /**
     * Writes the schemas into the directory given as the only argument, for example {@code docs/schemas}.
     *
     * @param args the output directory
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("Usage: EventSchemaGenerator OUTPUT_DIRECTORY");
            System.exit(2);
        }
        new EventSchemaGenerator().writeAll(Path.of(args[0]));
    }

    private static boolean isRequired(FieldScope field) {
        JsonProperty property = field.getAnnotationConsideringFieldAndGetter(JsonProperty.class);
        return property != null && property.required();
    }

    private static boolean isEnvelopeField(FieldScope field) {
        return ENVELOPE_DESCRIPTIONS.containsKey(field.getName())
                && PipelineEvent.class.isAssignableFrom(
                        field.getDeclaringType().getErasedType());
    }
}
