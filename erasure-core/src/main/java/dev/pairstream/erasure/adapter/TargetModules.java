package dev.pairstream.erasure.adapter;

import dev.pairstream.erasure.model.ParameterSpec;
import dev.pairstream.erasure.model.UNetParameterLayout;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Selects the Linear layers of a UNet that an adapter targets, with PEFT's matching rules for
 * {@code target_modules}.
 *
 * <p>A list of names matches a module path that equals a name or ends with {@code "." + name}, so {@code attn2.to_k}
 * selects the key projection of every cross-attention layer. A single string is a regular expression that must match
 * the whole path, like PEFT's {@code re.fullmatch}. Only Linear layers can be selected, because only those go through
 * the {@code LinearWeightResolver}.
 */
public final class TargetModules {

    /** The layers that concept erasure adapts by default: the cross-attention key and value projections. */
    public static final List<String> DEFAULT_NAMES = List.of("attn2.to_k", "attn2.to_v");

    private static final String WEIGHT_SUFFIX = ".weight";
    private static final String TRANSFORMER_BLOCKS = ".transformer_blocks.";

    private TargetModules() {
    }

    /**
     * Returns the paths of the Linear layers that any of {@code names} selects, in state-dict order.
     *
     * @throws IllegalArgumentException when a name is blank or selects no Linear layer of this layout; the message
     *                                  lists the valid names
     */
    public static List<String> select(UNetParameterLayout layout, Collection<String> names) {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(names, "names");
        if (names.isEmpty()) {
            throw new IllegalArgumentException("No target module names given; valid names are "
                    + validNames(layout));
        }
        List<String> linearPaths = linearModulePaths(layout);
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            if (name == null || name.isBlank() || linearPaths.stream().noneMatch(path -> matches(path, name))) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("Unknown target module names " + unknown
                    + "; they select no Linear layer of this UNet. Valid names are " + validNames(layout)
                    + ", or full module paths");
        }
        List<String> selected = new ArrayList<>();
        for (String path : linearPaths) {
            if (names.stream().anyMatch(name -> matches(path, name))) {
                selected.add(path);
            }
        }
        return List.copyOf(selected);
    }

    /**
     * Returns the paths of the Linear layers whose whole path matches the regular expression, in state-dict order.
     *
     * @throws IllegalArgumentException when the expression is invalid or matches no Linear layer
     */
    public static List<String> selectByPattern(UNetParameterLayout layout, String regex) {
        Objects.requireNonNull(layout, "layout");
        Pattern pattern;
        try {
            pattern = Pattern.compile(Objects.requireNonNull(regex, "regex"));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("Invalid target module pattern '" + regex + "': "
                    + e.getDescription(), e);
        }
        List<String> selected = new ArrayList<>();
        for (String path : linearModulePaths(layout)) {
            if (pattern.matcher(path).matches()) {
                selected.add(path);
            }
        }
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("Target module pattern '" + regex + "' matches no Linear layer of"
                    + " this UNet; Linear layer paths look like " + linearModulePaths(layout).get(0));
        }
        return List.copyOf(selected);
    }

    /** Returns the module path of every Linear layer of the layout, in state-dict order. */
    public static List<String> linearModulePaths(UNetParameterLayout layout) {
        List<String> paths = new ArrayList<>();
        for (ParameterSpec spec : layout.parameters()) {
            if (spec.kind() == ParameterSpec.Kind.LINEAR_WEIGHT) {
                paths.add(spec.name().substring(0, spec.name().length() - WEIGHT_SUFFIX.length()));
            }
        }
        return List.copyOf(paths);
    }

    /**
     * Returns the short names of the layout's Linear layers, in state-dict order of first appearance: the path inside
     * a transformer block (such as {@code attn2.to_k} or {@code ff.net.2}), {@code time_embedding.linear_1} and
     * {@code time_embedding.linear_2}, and the last path segment of the other layers (such as {@code time_emb_proj}).
     */
    public static List<String> validNames(UNetParameterLayout layout) {
        Set<String> names = new LinkedHashSet<>();
        for (String path : linearModulePaths(layout)) {
            names.add(shortName(path));
        }
        return List.copyOf(names);
    }

    /** Returns whether PEFT's list form of {@code target_modules} selects {@code path} by {@code name}. */
    static boolean matches(String path, String name) {
        return path.equals(name) || path.endsWith("." + name);
    }

    private static String shortName(String path) {
        int blocks = path.indexOf(TRANSFORMER_BLOCKS);
        if (blocks >= 0) {
            // Skip ".transformer_blocks.<index>." to keep the layer's place inside the block, such as attn2.to_k.
            int indexEnd = path.indexOf('.', blocks + TRANSFORMER_BLOCKS.length());
            return path.substring(indexEnd + 1);
        }
        if (path.startsWith("time_embedding.")) {
            return path;
        }
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
