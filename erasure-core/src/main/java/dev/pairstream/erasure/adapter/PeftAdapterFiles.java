package dev.pairstream.erasure.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pairstream.erasure.io.AtomicFiles;
import dev.pairstream.erasure.model.CheckpointException;
import dev.pairstream.erasure.model.SafetensorsFile;
import dev.pairstream.erasure.model.UNetParameterLayout;
import dev.pairstream.erasure.model.UNetWeights;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads adapters in PEFT's directory layout: {@value #WEIGHTS_FILE} with the tensors
 * {@code <module>.lora_A.weight [r, in]}, {@code <module>.lora_B.weight [out, r]} and, for DoRA,
 * {@code <module>.lora_magnitude_vector [out]}, next to {@value #CONFIG_FILE} with PEFT's {@code LoraConfig} fields.
 *
 * <p>Saving writes the tensor names without a prefix and {@code target_modules} in PEFT's list form (names such as
 * {@code attn2.to_k}, matched as path suffixes). Loading accepts names with the prefix {@code base_model.model.} (a
 * saved {@code PeftModel}), {@code unet.} (diffusers' LoRA files) or none, and {@code target_modules} as a list or
 * as one regular expression. The loader is strict: the file must hold exactly the tensors of the layers that
 * {@code target_modules} selects in the base model, with the shapes of those layers, so an adapter for another
 * architecture or a truncated export fails with the file and tensor named instead of loading in part.
 *
 * <p>Only the LoRA options this project uses are supported: no rsLoRA, no trained biases, no per-layer rank or alpha
 * patterns, no {@code fan_in_fan_out}, and float32 tensors.
 */
public final class PeftAdapterFiles {

    /** The file name of the tensors inside an adapter directory. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The file name of the settings inside an adapter directory. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** PEFT's {@code peft_type} of LoRA and DoRA adapters. */
    public static final String PEFT_TYPE = "LORA";
    /** The key of this project's provenance object in {@value #CONFIG_FILE}, which PEFT ignores. */
    public static final String PROVENANCE_KEY = "pair_stream";
    /** The tensor name prefixes that loading strips, besides no prefix. */
    public static final List<String> KEY_PREFIXES = List.of("base_model.model.", "unet.");

    private static final Logger LOG = LoggerFactory.getLogger(PeftAdapterFiles.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final String WEIGHT_SUFFIX = ".weight";
    private static final int MAX_LISTED_NAMES = 20;

    private PeftAdapterFiles() {
    }

    /**
     * Saves an adapter into {@code directory}. An adapter with FiDoRA residual bases is written in the form of
     * {@link Adapter#exportForBase}, because a PEFT adapter applies to the untouched base weights.
     *
     * @see #save(Path, AdapterConfig, Map)
     */
    public static void save(Adapter adapter, Path directory) throws IOException {
        Objects.requireNonNull(adapter, "adapter");
        if (adapter.hasResidualBases()) {
            try (Adapter exported = adapter.exportForBase(adapter.manager())) {
                save(directory, exported.config(), exported.parameters());
            }
        } else {
            save(directory, adapter.config(), adapter.parameters());
        }
    }

    /**
     * Saves PEFT tensors and settings into {@code directory}, which is created or replaced as a whole: both files are
     * written into a temporary folder next to it, which is then renamed, so a reader never sees one file of the old
     * adapter beside one of the new.
     *
     * @param directory the adapter directory, which may contain only the two adapter files if it exists
     * @param config    the settings to write
     * @param tensors   float32 tensors keyed by PEFT name without prefix, such as
     *                  {@code down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight}
     * @throws IllegalArgumentException when a tensor name has no PEFT suffix, or a module lacks a tensor or has one
     *                                  that the config does not call for. Also when a shape does not fit, such as a
     *                                  magnitude vector whose length differs from lora_B's rows, or when no target
     *                                  module selects a module
     * @throws IOException              when {@code directory} is a file or contains other files, or writing fails
     */
    public static void save(Path directory, AdapterConfig config, Map<String, NDArray> tensors) throws IOException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(config, "config");
        validateTensors(config, tensors);
        checkReplaceable(directory);
        Path temporary = AtomicFiles.newTemporaryFolder(directory);
        try {
            SafetensorsFile.write(temporary.resolve(WEIGHTS_FILE), tensors);
            AtomicFiles.writeJson(JSON, temporary.resolve(CONFIG_FILE), configJson(config));
            AtomicFiles.replaceFolder(temporary, directory);
        } catch (IOException | RuntimeException e) {
            AtomicFiles.deleteQuietly(temporary);
            throw e;
        }
        LOG.info("Saved {} adapter with {} tensors (r={}, alpha={}) to {}", config.useDora() ? "DoRA" : "LoRA",
                tensors.size(), config.rank(), config.alpha(), directory);
    }

    /**
     * Loads a PEFT adapter for {@code base}'s model into a new manager under {@code parent}.
     *
     * @throws NoSuchFileException when the directory or one of its two files does not exist
     * @throws CheckpointException when a file is malformed, or the config uses an unsupported option or selects no
     *                             layer. Also when the tensors differ from those the config selects in the base
     *                             model (extra, missing, another dtype or shape). The message names the file and
     *                             the tensor
     * @throws IOException         when a file cannot be read
     */
    public static Adapter load(Path directory, UNetWeights base, NDManager parent) throws IOException {
        Objects.requireNonNull(base, "base");
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "adapter directory not found");
        }
        Path configFile = directory.resolve(CONFIG_FILE);
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        for (Path file : List.of(configFile, weightsFile)) {
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "adapter file not found");
            }
        }
        PeftConfigFile parsed = PeftConfigFile.read(configFile);
        List<String> paths = selectPaths(parsed, base.layout(), configFile);
        AdapterConfig config = parsed.toConfig(paths);
        for (String path : paths) {
            Shape weightShape = base.get(path + WEIGHT_SUFFIX).getShape();
            if (config.rank() > Math.min(weightShape.get(0), weightShape.get(1))) {
                throw new CheckpointException(configFile, "r=" + config.rank() + " exceeds the smaller side of "
                        + path + " with weight " + weightShape);
            }
        }

        SafetensorsFile.Header header = SafetensorsFile.readHeader(weightsFile);
        String prefix = keyPrefix(header);
        Map<String, Shape> expected = expectedShapes(config, paths, base);
        checkTensorNames(header, prefix, expected);
        Map<String, Shape> fileShapes = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> entry : expected.entrySet()) {
            String fileName = prefix + entry.getKey();
            checkTensor(header, fileName, entry.getKey(), entry.getValue(), config, base);
            fileShapes.put(fileName, entry.getValue());
        }

        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> arrays = SafetensorsFile.readFloat32(weightsFile, fileShapes, manager);
            float scaling = (float) config.scaling();
            Map<String, AdapterLayer> layers = new LinkedHashMap<>();
            int applied = 0;
            for (String path : paths) {
                NDArray loraA = arrays.get(prefix + path + AdapterLayer.LORA_A_SUFFIX);
                NDArray loraB = arrays.get(prefix + path + AdapterLayer.LORA_B_SUFFIX);
                AdapterLayer layer = config.useDora()
                        ? new DoraLayer(path, loraA, loraB, arrays.get(prefix + path + AdapterLayer.MAGNITUDE_SUFFIX),
                                scaling)
                        : new LoraLayer(path, loraA, loraB, scaling);
                applied += layer.parameters().size();
                layers.put(path, layer);
            }
            if (applied != header.tensors().size()) {
                throw new CheckpointException(weightsFile, "the file contains " + header.tensors().size()
                        + " tensors but the adapter applied " + applied);
            }
            Adapter adapter = new Adapter(config, manager, layers);
            LOG.info("Loaded {} adapter on {} layers (r={}, alpha={}, key prefix '{}') from {}",
                    config.useDora() ? "DoRA" : "LoRA", layers.size(), config.rank(), config.alpha(), prefix,
                    directory);
            return adapter;
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static void validateTensors(AdapterConfig config, Map<String, NDArray> tensors) {
        Objects.requireNonNull(tensors, "tensors");
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("No adapter tensors to save");
        }
        Map<String, Map<String, NDArray>> byModule = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : tensors.entrySet()) {
            String name = entry.getKey();
            String suffix = peftSuffix(name);
            if (suffix == null) {
                throw new IllegalArgumentException("Adapter tensor " + name + " has no PEFT suffix; expected "
                        + "<module>" + AdapterLayer.LORA_A_SUFFIX + ", <module>" + AdapterLayer.LORA_B_SUFFIX
                        + " or <module>" + AdapterLayer.MAGNITUDE_SUFFIX);
            }
            if (entry.getValue() == null) {
                throw new IllegalArgumentException("Adapter tensor " + name + " is null");
            }
            String module = name.substring(0, name.length() - suffix.length());
            byModule.computeIfAbsent(module, key -> new LinkedHashMap<>()).put(suffix, entry.getValue());
        }
        for (Map.Entry<String, Map<String, NDArray>> entry : byModule.entrySet()) {
            validateModule(config, entry.getKey(), entry.getValue());
        }
    }

    private static void validateModule(AdapterConfig config, String module, Map<String, NDArray> tensors) {
        if (config.targetModules().stream().noneMatch(name -> TargetModules.matches(module, name))) {
            throw new IllegalArgumentException("Adapter module " + module + " is not selected by target_modules "
                    + config.targetModules());
        }
        NDArray loraA = tensors.get(AdapterLayer.LORA_A_SUFFIX);
        NDArray loraB = tensors.get(AdapterLayer.LORA_B_SUFFIX);
        NDArray magnitude = tensors.get(AdapterLayer.MAGNITUDE_SUFFIX);
        if (loraA == null || loraB == null) {
            throw new IllegalArgumentException("Adapter module " + module + " is missing tensor "
                    + (loraA == null ? module + AdapterLayer.LORA_A_SUFFIX : module + AdapterLayer.LORA_B_SUFFIX));
        }
        if (config.useDora() != (magnitude != null)) {
            throw new IllegalArgumentException(config.useDora()
                    ? "Adapter module " + module + " is missing tensor " + module + AdapterLayer.MAGNITUDE_SUFFIX
                            + ", which DoRA (use_dora=true) needs"
                    : "Adapter tensor " + module + AdapterLayer.MAGNITUDE_SUFFIX
                            + " is not part of a LoRA adapter (use_dora=false)");
        }
        AdapterLayer.requireMatrix(module + AdapterLayer.LORA_A_SUFFIX, loraA);
        AdapterLayer.requireMatrix(module + AdapterLayer.LORA_B_SUFFIX, loraB);
        if (loraA.getShape().get(0) != config.rank() || loraB.getShape().get(1) != config.rank()) {
            throw new IllegalArgumentException("Adapter module " + module + " has lora_A " + loraA.getShape()
                    + " and lora_B " + loraB.getShape() + "; expected [" + config.rank() + ", in] and [out, "
                    + config.rank() + "] for r=" + config.rank());
        }
        if (magnitude != null) {
            Shape expected = new Shape(loraB.getShape().get(0));
            if (!magnitude.getShape().equals(expected)) {
                throw new IllegalArgumentException("Adapter tensor " + module + AdapterLayer.MAGNITUDE_SUFFIX
                        + " has shape " + magnitude.getShape() + "; expected " + expected
                        + ", one magnitude per output row of lora_B " + loraB.getShape());
            }
            AdapterLayer.requireFloat32(module + AdapterLayer.MAGNITUDE_SUFFIX, magnitude);
        }
    }

    /** Returns the PEFT suffix that {@code name} ends with, or null. */
    private static String peftSuffix(String name) {
        for (String suffix : List.of(AdapterLayer.LORA_A_SUFFIX, AdapterLayer.LORA_B_SUFFIX,
                AdapterLayer.MAGNITUDE_SUFFIX)) {
            if (name.endsWith(suffix) && name.length() > suffix.length()) {
                return suffix;
            }
        }
        return null;
    }

    private static void checkReplaceable(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        if (!Files.isDirectory(directory)) {
            throw new FileAlreadyExistsException(directory.toString(), null,
                    "cannot save an adapter: the path is a file, not a directory");
        }
        List<String> others;
        try (Stream<Path> entries = Files.list(directory)) {
            others = entries.map(entry -> entry.getFileName().toString())
                    .filter(name -> !WEIGHTS_FILE.equals(name) && !CONFIG_FILE.equals(name))
                    .sorted()
                    .toList();
        }
        if (!others.isEmpty()) {
            throw new IOException("Cannot save an adapter into " + directory + ": it contains " + others + " besides "
                    + WEIGHTS_FILE + " and " + CONFIG_FILE + ", which replacing the directory would delete."
                    + " Save into a new directory or one that contains only an adapter");
        }
    }

    private static ObjectNode configJson(AdapterConfig config) {
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", PEFT_TYPE);
        root.putNull("task_type");
        root.put("r", config.rank());
        if (config.alpha() == Math.rint(config.alpha()) && Math.abs(config.alpha()) <= Integer.MAX_VALUE) {
            root.put("lora_alpha", (int) config.alpha());
        } else {
            root.put("lora_alpha", config.alpha());
        }
        root.put("use_dora", config.useDora());
        ArrayNode targets = root.putArray("target_modules");
        config.targetModules().forEach(targets::add);
        if (config.baseModelNameOrPath() == null) {
            root.putNull("base_model_name_or_path");
        } else {
            root.put("base_model_name_or_path", config.baseModelNameOrPath());
        }
        root.put("lora_dropout", 0.0);
        root.put("bias", "none");
        root.put("fan_in_fan_out", false);
        root.put("use_rslora", false);
        root.put("init_lora_weights", true);
        root.put("inference_mode", true);
        root.putObject("rank_pattern");
        root.putObject("alpha_pattern");
        ObjectNode provenance = root.putObject(PROVENANCE_KEY);
        config.provenance().forEach(provenance::put);
        return root;
    }

    private static List<String> selectPaths(PeftConfigFile parsed, UNetParameterLayout layout, Path configFile)
            throws CheckpointException {
        try {
            return parsed.targetPattern() != null
                    ? TargetModules.selectByPattern(layout, parsed.targetPattern())
                    : TargetModules.select(layout, parsed.targetNames());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile, null, "target_modules does not fit the base model: "
                    + e.getMessage(), e);
        }
    }

    /** Returns the one prefix that every tensor name starts with: one of {@link #KEY_PREFIXES}, or "". */
    private static String keyPrefix(SafetensorsFile.Header header) throws CheckpointException {
        String prefix = null;
        String first = null;
        for (String name : header.tensors().keySet()) {
            String own = KEY_PREFIXES.stream().filter(name::startsWith).findFirst().orElse("");
            if (prefix == null) {
                prefix = own;
                first = name;
            } else if (!prefix.equals(own)) {
                throw new CheckpointException(header.file(), name, "the tensor name has the prefix '" + own
                        + "' but " + first + " has '" + prefix + "'; expected one prefix for all tensors", null);
            }
        }
        return prefix == null ? "" : prefix;
    }

    /** Returns the shape of every tensor the config calls for, keyed by its name without prefix. */
    private static Map<String, Shape> expectedShapes(AdapterConfig config, List<String> paths, UNetWeights base) {
        Map<String, Shape> expected = new LinkedHashMap<>();
        for (String path : paths) {
            Shape weight = base.get(path + WEIGHT_SUFFIX).getShape();
            expected.put(path + AdapterLayer.LORA_A_SUFFIX, new Shape(config.rank(), weight.get(1)));
            expected.put(path + AdapterLayer.LORA_B_SUFFIX, new Shape(weight.get(0), config.rank()));
            if (config.useDora()) {
                expected.put(path + AdapterLayer.MAGNITUDE_SUFFIX, new Shape(weight.get(0)));
            }
        }
        return expected;
    }

    /** Compares the file's tensor names with the expected ones and names every extra and missing tensor. */
    private static void checkTensorNames(SafetensorsFile.Header header, String prefix, Map<String, Shape> expected)
            throws CheckpointException {
        List<String> extra = new ArrayList<>();
        for (String name : header.tensors().keySet()) {
            if (!expected.containsKey(name.substring(prefix.length()))) {
                extra.add(name);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!header.tensors().containsKey(prefix + name)) {
                missing.add(prefix + name);
            }
        }
        if (extra.isEmpty() && missing.isEmpty()) {
            return;
        }
        StringBuilder problem = new StringBuilder("the file contains ").append(header.tensors().size())
                .append(" tensors but adapter_config.json calls for ").append(expected.size()).append(" on the")
                .append(" selected layers of the base model");
        if (!extra.isEmpty()) {
            problem.append("; not applied: ").append(describe(extra));
        }
        if (!missing.isEmpty()) {
            problem.append("; missing: ").append(describe(missing));
        }
        throw new CheckpointException(header.file(), problem.toString());
    }

    private static void checkTensor(SafetensorsFile.Header header, String fileName, String name, Shape expected,
            AdapterConfig config, UNetWeights base) throws CheckpointException {
        SafetensorsFile.TensorInfo info = header.tensors().get(fileName);
        if (!SafetensorsFile.F32.equals(info.dtype())) {
            throw new CheckpointException(header.file(), fileName, "dtype " + info.dtype()
                    + " is not supported; expected " + SafetensorsFile.F32 + " (" + DataType.FLOAT32 + ")", null);
        }
        if (info.shape().equals(expected)) {
            return;
        }
        String suffix = peftSuffix(name);
        String path = name.substring(0, name.length() - suffix.length());
        Shape weight = base.get(path + WEIGHT_SUFFIX).getShape();
        String problem = AdapterLayer.MAGNITUDE_SUFFIX.equals(suffix)
                ? "the magnitude vector has shape " + info.shape() + " but the base layer " + path + " (weight "
                        + weight + ") has " + weight.get(0) + " output rows; expected " + expected
                : "shape " + info.shape() + " does not fit the base layer " + path + " (weight " + weight
                        + ") with r=" + config.rank() + "; expected " + expected;
        throw new CheckpointException(header.file(), fileName, problem, null);
    }

    private static String describe(List<String> names) {
        if (names.size() <= MAX_LISTED_NAMES) {
            return names.toString();
        }
        return names.subList(0, MAX_LISTED_NAMES) + " and " + (names.size() - MAX_LISTED_NAMES) + " more";
    }

    /**
     * The fields of {@value #CONFIG_FILE} that this project reads.
     *
     * @param targetNames   the list form of {@code target_modules}, or null when it is a pattern
     * @param targetPattern the regular-expression form of {@code target_modules}, or null when it is a list
     */
    private record PeftConfigFile(int rank, double alpha, boolean useDora, List<String> targetNames,
            String targetPattern, String baseModelNameOrPath, Map<String, String> provenance) {

        /** PEFT options that change the computation. Each must be absent or have the value given here. */
        private static final Map<String, String> UNSUPPORTED_OPTIONS = Map.of(
                "use_rslora", "false", "fan_in_fan_out", "false", "bias", "\"none\"", "lora_bias", "false",
                "rank_pattern", "{}", "alpha_pattern", "{}", "layers_to_transform", "null",
                "layers_pattern", "null", "exclude_modules", "null", "modules_to_save", "null");

        static PeftConfigFile read(Path file) throws IOException {
            JsonNode root;
            try {
                root = JSON.readTree(file.toFile());
            } catch (JsonProcessingException e) {
                throw new CheckpointException(file, null, "the adapter config is not valid JSON: "
                        + e.getOriginalMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new CheckpointException(file, "the adapter config is not a JSON object");
            }
            JsonNode peftType = root.get("peft_type");
            if (peftType == null || !PEFT_TYPE.equals(peftType.asText(null))) {
                throw new CheckpointException(file, "peft_type is " + peftType + "; expected \"" + PEFT_TYPE + "\"");
            }
            checkUnsupportedOptions(file, root);

            JsonNode rankNode = root.get("r");
            if (rankNode == null || !rankNode.isIntegralNumber() || !rankNode.canConvertToInt()
                    || rankNode.asInt() < 1) {
                throw new CheckpointException(file, "r is " + rankNode + "; expected an integer >= 1");
            }
            JsonNode alphaNode = root.get("lora_alpha");
            if (alphaNode == null || !alphaNode.isNumber() || !(alphaNode.asDouble() > 0)
                    || Double.isInfinite(alphaNode.asDouble())) {
                throw new CheckpointException(file, "lora_alpha is " + alphaNode + "; expected a number > 0");
            }
            JsonNode doraNode = root.get("use_dora");
            if (doraNode != null && !doraNode.isNull() && !doraNode.isBoolean()) {
                throw new CheckpointException(file, "use_dora is " + doraNode + "; expected true or false");
            }
            boolean useDora = doraNode != null && doraNode.asBoolean(false);

            JsonNode targets = root.get("target_modules");
            List<String> targetNames = null;
            String targetPattern = null;
            if (targets != null && targets.isTextual() && !targets.asText().isBlank()) {
                targetPattern = targets.asText();
            } else if (targets != null && targets.isArray() && !targets.isEmpty()) {
                targetNames = new ArrayList<>();
                for (JsonNode target : targets) {
                    if (!target.isTextual() || target.asText().isBlank()) {
                        throw new CheckpointException(file, "target_modules contains " + target
                                + "; expected non-blank strings");
                    }
                    targetNames.add(target.asText());
                }
            } else {
                throw new CheckpointException(file, "target_modules is " + targets
                        + "; expected a non-empty list of module names or a regular expression");
            }

            JsonNode baseNode = root.get("base_model_name_or_path");
            String baseModel = baseNode == null || baseNode.isNull() ? null : baseNode.asText();
            return new PeftConfigFile(rankNode.asInt(), alphaNode.asDouble(), useDora, targetNames, targetPattern,
                    baseModel, provenance(file, root.get(PROVENANCE_KEY)));
        }

        AdapterConfig toConfig(List<String> selectedPaths) {
            // A pattern cannot go back into the list form, so the selected paths stand in for it. PEFT matches a full
            // path as itself.
            List<String> targets = targetNames != null ? targetNames : selectedPaths;
            return new AdapterConfig(rank, alpha, useDora, targets, baseModelNameOrPath, provenance);
        }

        private static void checkUnsupportedOptions(Path file, JsonNode root) throws CheckpointException {
            List<String> unsupported = new ArrayList<>();
            for (Map.Entry<String, String> option : UNSUPPORTED_OPTIONS.entrySet()) {
                JsonNode value = root.get(option.getKey());
                if (value == null || value.isNull() || isDefault(value, option.getValue())) {
                    continue;
                }
                unsupported.add(option.getKey() + "=" + value);
            }
            if (!unsupported.isEmpty()) {
                unsupported.sort(null);
                throw new CheckpointException(file, "unsupported LoRA options " + unsupported
                        + "; this loader supports only " + new TreeMap<>(UNSUPPORTED_OPTIONS));
            }
        }

        private static boolean isDefault(JsonNode value, String expected) {
            return switch (expected) {
                case "false" -> value.isBoolean() && !value.asBoolean();
                case "{}" -> value.isObject() && value.isEmpty();
                case "null" -> value.isArray() && value.isEmpty();
                default -> value.toString().equals(expected);
            };
        }

        private static Map<String, String> provenance(Path file, JsonNode node) throws CheckpointException {
            Map<String, String> provenance = new LinkedHashMap<>();
            if (node == null || node.isNull()) {
                return provenance;
            }
            if (!node.isObject()) {
                throw new CheckpointException(file, PROVENANCE_KEY + " is " + node
                        + "; expected an object of strings");
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (!field.getValue().isValueNode() || field.getValue().isNull()) {
                    throw new CheckpointException(file, PROVENANCE_KEY + "." + field.getKey() + " is "
                            + field.getValue() + "; expected a string");
                }
                provenance.put(field.getKey(), field.getValue().asText());
            }
            return provenance;
        }
    }
}
