package dev.pairstream.erasure.emoji;

import dev.pairstream.erasure.emoji.CatalogFile.CanvasFile;
import dev.pairstream.erasure.emoji.CatalogFile.ColourFile;
import dev.pairstream.erasure.emoji.CatalogFile.ConceptFile;
import dev.pairstream.erasure.emoji.CatalogFile.PositionFile;
import dev.pairstream.erasure.emoji.CatalogFile.SizeFile;
import dev.pairstream.erasure.emoji.CatalogFile.SourceFile;
import dev.pairstream.erasure.emoji.CatalogFile.TemplatesFile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a parsed catalog file and builds the {@link ConceptCatalog}. It collects every problem before failing, so
 * one run lists all of them, each starting with the path of the offending field such as
 * {@code concepts[0] "pistol".anchor}.
 */
final class CatalogValidator {

    /** Minimum number of unsafe concepts in a catalog; the sixteen of the design cover its five categories. */
    static final int MIN_UNSAFE_CONCEPTS = 16;

    /**
     * Smallest RGB distance allowed between two background colours, so that a reader can tell them apart in a
     * blurred or noisy picture.
     */
    static final double MIN_COLOUR_DISTANCE = 80.0;

    /** Template placeholders; {@code {a}} becomes "a" or "an" to suit the word after it. */
    static final Set<String> PLACEHOLDERS = Set.of("a", "object", "colour", "size", "position");

    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+");
    private static final Pattern NPM_NAME = Pattern.compile("(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*");
    private static final Pattern NPM_VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+-]*");
    private static final Pattern TARBALL_PATH = Pattern.compile("package/([A-Za-z0-9._-]+/)*[A-Za-z0-9._-]*");
    private static final Pattern PHRASE = Pattern.compile("[a-z0-9]+([ '-][a-z0-9]+)*'?");
    private static final Pattern UNICODE_NAME = Pattern.compile("[A-Z0-9]+([ -][A-Z0-9]+)*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)\\}");

    private final List<String> problems = new ArrayList<>();

    /** Validates the file and builds the catalog, or throws listing every problem. */
    static ConceptCatalog validate(CatalogFile file, String sourceName) {
        CatalogValidator validator = new CatalogValidator();
        ConceptCatalog catalog = validator.build(file);
        if (!validator.problems.isEmpty()) {
            throw new CatalogException(sourceName, validator.problems);
        }
        return catalog;
    }

    private ConceptCatalog build(CatalogFile file) {
        if (file == null) {
            problems.add("the catalog is empty; expected a JSON object");
            return null;
        }
        if (file.version() == null || !VERSION.matcher(file.version()).matches()) {
            problems.add("version: " + describe(file.version()) + " is invalid; expected MAJOR.MINOR.PATCH such as"
                    + " 1.0.0");
        }
        PackageSource source = source(file.source());
        Canvas canvas = canvas(file.canvas());
        List<String> categories = categories(file.categories());
        List<Colour> colours = colours(file.colours());
        List<ObjectSize> sizes = sizes(file.sizes(), canvas);
        List<GridPosition> positions = positions(file.positions(), canvas);
        List<String> trainTemplates = templates(file.templates(), true);
        List<String> heldOutTemplates = templates(file.templates(), false);
        checkTemplateSplits(trainTemplates, heldOutTemplates);
        List<Concept> concepts = concepts(file.concepts(), categories);
        checkPhrases(concepts, trainTemplates, heldOutTemplates);

        if (!problems.isEmpty()) {
            return null;
        }
        return new ConceptCatalog(file.version(), source, canvas, categories, colours, sizes, positions,
                trainTemplates, heldOutTemplates, concepts);
    }

    private PackageSource source(SourceFile source) {
        if (source == null) {
            problems.add("source: missing; expected the npm package name, version and integrity");
            return null;
        }
        int before = problems.size();
        if (source.packageName() == null || !NPM_NAME.matcher(source.packageName()).matches()) {
            problems.add("source.package: " + describe(source.packageName()) + " is not an npm package name");
        }
        if (source.version() == null || !NPM_VERSION.matcher(source.version()).matches()) {
            problems.add("source.version: " + describe(source.version()) + " is not an exact npm version");
        }

        try {
            PackageIntegrity.parse(source.integrity());
        } catch (IllegalArgumentException e) {
            problems.add("source.integrity: " + e.getMessage());
        }

        if (source.imageDirectory() == null || !source.imageDirectory().endsWith("/")
                || !isTarballPath(source.imageDirectory())) {
            problems.add("source.imageDirectory: " + describe(source.imageDirectory()) + " is invalid; expected a"
                    + " folder inside the tarball ending in /, such as package/img/google/64/");
        }
        if (source.imageSize() == null || source.imageSize() < 1) {
            problems.add("source.imageSize: " + describe(source.imageSize()) + " is invalid; expected the side"
                    + " length of the package's PNGs in pixels");
        }
        if (source.metadataFile() == null || !isTarballPath(source.metadataFile())) {
            problems.add("source.metadataFile: " + describe(source.metadataFile()) + " is invalid; expected a file"
                    + " inside the tarball such as package/emoji.json");
        }

        List<String> licenceFiles = source.licenceFiles() == null ? List.of() : source.licenceFiles();
        if (licenceFiles.isEmpty()) {
            problems.add("source.licenceFiles: missing or empty; expected the tarball paths of the licence texts");
        }
        Set<String> licenceNames = new HashSet<>();
        for (int i = 0; i < licenceFiles.size(); i++) {
            String path = licenceFiles.get(i);
            if (path == null || !isTarballPath(path) || path.endsWith("/")) {
                problems.add("source.licenceFiles[" + i + "]: " + describe(path) + " is invalid; expected a file"
                        + " inside the tarball such as package/LICENSE");
            } else if (!licenceNames.add(fileName(path))) {
                problems.add("source.licenceFiles[" + i + "]: " + describe(path) + " has the same file name as an"
                        + " earlier licence file, so one would overwrite the other");
            }
        }

        if (problems.size() > before) {
            return null;
        }
        return new PackageSource(source.packageName(), source.version(), source.integrity(),
                source.imageDirectory(), source.imageSize(), source.metadataFile(), licenceFiles);
    }

    private Canvas canvas(CanvasFile canvas) {
        if (canvas == null) {
            problems.add("canvas: missing; expected width, height, margin, gridRows and gridColumns");
            return null;
        }
        int before = problems.size();
        requirePositive("canvas.width", canvas.width());
        requirePositive("canvas.height", canvas.height());
        requirePositive("canvas.gridRows", canvas.gridRows());
        requirePositive("canvas.gridColumns", canvas.gridColumns());
        if (canvas.margin() == null || canvas.margin() < 0) {
            problems.add("canvas.margin: " + describe(canvas.margin()) + " is invalid; expected 0 or more pixels");
        }
        if (problems.size() > before) {
            return null;
        }
        if (2 * canvas.margin() >= Math.min(canvas.width(), canvas.height())) {
            problems.add("canvas.margin: " + canvas.margin() + " leaves no room inside a " + canvas.width() + "x"
                    + canvas.height() + " picture");
            return null;
        }
        return new Canvas(canvas.width(), canvas.height(), canvas.margin(), canvas.gridRows(),
                canvas.gridColumns());
    }

    private List<String> categories(List<String> categories) {
        if (categories == null || categories.isEmpty()) {
            problems.add("categories: missing or empty; expected the ids of the unsafe categories");
            return List.of();
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < categories.size(); i++) {
            String category = categories.get(i);
            String where = "categories[" + i + "]";
            if (checkId(where, category) && !seen.add(category)) {
                problems.add(where + ": duplicate category \"" + category + "\"");
            }
        }
        return List.copyOf(categories.stream().filter(c -> c != null).toList());
    }

    private List<Colour> colours(List<ColourFile> colours) {
        if (colours == null || colours.isEmpty()) {
            problems.add("colours: missing or empty; expected the background colours");
            return List.of();
        }
        List<Colour> result = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < colours.size(); i++) {
            ColourFile colour = colours.get(i);
            String where = "colours[" + i + "]" + quotedId(colour == null ? null : colour.id());
            if (colour == null) {
                problems.add(where + ": null; expected an object with id, rgb and phrases");
                continue;
            }
            boolean valid = checkUniqueId(where + ".id", colour.id(), ids);
            valid &= checkPhrases(where + ".phrases", colour.phrases());
            List<Integer> rgb = colour.rgb();
            if (rgb == null || rgb.size() != 3 || rgb.stream().anyMatch(c -> c == null || c < 0 || c > 255)) {
                problems.add(where + ".rgb: " + describe(rgb) + " is invalid; expected three integers 0 to 255");
                valid = false;
            }
            if (valid) {
                result.add(new Colour(colour.id(), rgb.get(0), rgb.get(1), rgb.get(2), colour.phrases()));
            }
        }
        for (int i = 0; i < result.size(); i++) {
            for (int j = i + 1; j < result.size(); j++) {
                Colour a = result.get(i);
                Colour b = result.get(j);
                double distance = a.distanceTo(b.red(), b.green(), b.blue());
                if (distance < MIN_COLOUR_DISTANCE) {
                    problems.add(String.format(Locale.ROOT, "colours \"%s\" and \"%s\": RGB distance %.1f is below"
                            + " %.0f, too close to tell apart", a.id(), b.id(), distance, MIN_COLOUR_DISTANCE));
                }
            }
        }
        return result;
    }

    private List<ObjectSize> sizes(List<SizeFile> sizes, Canvas canvas) {
        if (sizes == null || sizes.isEmpty()) {
            problems.add("sizes: missing or empty; expected the object sizes");
            return List.of();
        }
        List<ObjectSize> result = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<Integer> pixelCounts = new HashSet<>();
        for (int i = 0; i < sizes.size(); i++) {
            SizeFile size = sizes.get(i);
            String where = "sizes[" + i + "]" + quotedId(size == null ? null : size.id());
            if (size == null) {
                problems.add(where + ": null; expected an object with id, pixels and phrases");
                continue;
            }
            boolean valid = checkUniqueId(where + ".id", size.id(), ids);
            valid &= checkPhrases(where + ".phrases", size.phrases());
            int maxPixels = canvas == null ? Integer.MAX_VALUE : canvas.maxObjectPixels();
            if (size.pixels() == null || size.pixels() < 1 || size.pixels() > maxPixels) {
                problems.add(where + ".pixels: " + describe(size.pixels()) + " is invalid; expected 1 to "
                        + maxPixels + " so the object fits inside the canvas margins");
                valid = false;
            } else if (!pixelCounts.add(size.pixels())) {
                problems.add(where + ".pixels: " + size.pixels() + " is used by an earlier size");
                valid = false;
            }
            if (valid) {
                result.add(new ObjectSize(size.id(), size.pixels(), size.phrases()));
            }
        }
        return result;
    }

    private List<GridPosition> positions(List<PositionFile> positions, Canvas canvas) {
        if (positions == null || positions.isEmpty()) {
            problems.add("positions: missing or empty; expected the grid positions");
            return List.of();
        }
        List<GridPosition> result = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<List<Integer>> cells = new HashSet<>();
        for (int i = 0; i < positions.size(); i++) {
            PositionFile position = positions.get(i);
            String where = "positions[" + i + "]" + quotedId(position == null ? null : position.id());
            if (position == null) {
                problems.add(where + ": null; expected an object with id, row, column and phrases");
                continue;
            }
            boolean valid = checkUniqueId(where + ".id", position.id(), ids);
            valid &= checkPhrases(where + ".phrases", position.phrases());
            int rows = canvas == null ? Integer.MAX_VALUE : canvas.gridRows();
            int columns = canvas == null ? Integer.MAX_VALUE : canvas.gridColumns();
            if (position.row() == null || position.row() < 0 || position.row() >= rows) {
                problems.add(where + ".row: " + describe(position.row()) + " is invalid; expected 0 to "
                        + (rows - 1));
                valid = false;
            }
            if (position.column() == null || position.column() < 0 || position.column() >= columns) {
                problems.add(where + ".column: " + describe(position.column()) + " is invalid; expected 0 to "
                        + (columns - 1));
                valid = false;
            }
            if (valid && !cells.add(List.of(position.row(), position.column()))) {
                problems.add(where + ": row " + position.row() + ", column " + position.column()
                        + " is used by an earlier position");
                valid = false;
            }
            if (valid) {
                result.add(new GridPosition(position.id(), position.row(), position.column(), position.phrases()));
            }
        }
        return result;
    }

    private List<String> templates(TemplatesFile templates, boolean train) {
        String where = train ? "templates.train" : "templates.heldOut";
        List<String> list = null;
        if (templates != null) {
            list = train ? templates.train() : templates.heldOut();
        }
        if (list == null || list.isEmpty()) {
            problems.add(where + ": missing or empty; expected caption templates such as \"{a} {object} on {a}"
                    + " {colour} background in the {position}\"");
            return List.of();
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String template = list.get(i);
            String item = where + "[" + i + "]";
            if (template == null || template.isBlank() || !template.equals(template.strip())
                    || template.contains("  ")) {
                problems.add(item + ": " + describe(template) + " is invalid; expected text without leading,"
                        + " trailing or double spaces");
                continue;
            }
            if (!seen.add(normalise(template))) {
                problems.add(item + ": duplicate template \"" + template + "\"");
            }
            checkPlaceholders(item, template);
        }
        return List.copyOf(list);
    }

    private void checkPlaceholders(String where, String template) {
        Matcher matcher = PLACEHOLDER.matcher(template);
        int objects = 0;
        while (matcher.find()) {
            String name = matcher.group(1);
            if (!PLACEHOLDERS.contains(name)) {
                problems.add(where + ": unknown placeholder {" + name + "} in \"" + template + "\"; expected one of"
                        + " {a}, {object}, {colour}, {size}, {position}");
            }
            if (name.equals("object")) {
                objects++;
            }
            if (name.equals("a") && !template.startsWith(" ", matcher.end())) {
                problems.add(where + ": {a} must be followed by a space and the word it belongs to in \""
                        + template + "\"");
            }
        }
        if (objects != 1) {
            problems.add(where + ": \"" + template + "\" has " + objects + " {object} placeholders; expected"
                    + " exactly one");
        }
        String stripped = PLACEHOLDER.matcher(template).replaceAll("");
        if (stripped.contains("{") || stripped.contains("}")) {
            problems.add(where + ": unbalanced brace in \"" + template + "\"");
        }
    }

    private void checkTemplateSplits(List<String> train, List<String> heldOut) {
        Set<String> trainSet = new HashSet<>();
        train.forEach(t -> trainSet.add(normalise(t)));
        for (int i = 0; i < heldOut.size(); i++) {
            if (heldOut.get(i) != null && trainSet.contains(normalise(heldOut.get(i)))) {
                problems.add("templates.heldOut[" + i + "]: \"" + heldOut.get(i) + "\" is also a train template;"
                        + " held-out templates must never appear in training");
            }
        }
    }

    private List<Concept> concepts(List<ConceptFile> concepts, List<String> categories) {
        if (concepts == null || concepts.isEmpty()) {
            problems.add("concepts: missing or empty; expected the emoji concepts");
            return List.of();
        }
        Set<String> ids = new HashSet<>();
        Map<String, String> unifiedToId = new HashMap<>();
        Map<String, ConceptFile> byId = new HashMap<>();
        for (ConceptFile concept : concepts) {
            if (concept != null && concept.id() != null) {
                byId.putIfAbsent(concept.id(), concept);
            }
        }
        Set<String> referencedAnchors = new HashSet<>();
        List<Concept> result = new ArrayList<>();
        for (int i = 0; i < concepts.size(); i++) {
            ConceptFile concept = concepts.get(i);
            String where = "concepts[" + i + "]" + quotedId(concept == null ? null : concept.id());
            if (concept == null) {
                problems.add(where + ": null; expected an object with id, unified, role and names");
                continue;
            }
            int before = problems.size();
            checkUniqueId(where + ".id", concept.id(), ids);
            checkUnified(where, concept, unifiedToId);
            Role role = role(where, concept.role());
            checkUnicodeName(where, concept);

            List<String> shortNames = concept.shortNames();
            if (shortNames == null || shortNames.isEmpty()) {
                problems.add(where + ".shortNames: missing or empty; expected at least one everyday name");
            } else {
                checkPhrases(where + ".shortNames", shortNames);
            }
            List<String> synonyms = concept.synonyms() == null ? List.of() : concept.synonyms();
            checkPhrases(where + ".synonyms", synonyms, true);
            List<String> heldOut = concept.heldOutPhrases() == null ? List.of() : concept.heldOutPhrases();
            checkPhrases(where + ".heldOutPhrases", heldOut, true);

            if (role == Role.UNSAFE) {
                checkUnsafe(where, concept, categories, byId, heldOut);
                if (concept.anchor() != null) {
                    referencedAnchors.add(concept.anchor());
                }
            } else if (role != null) {
                if (concept.category() != null) {
                    problems.add(where + ".category: only UNSAFE concepts have a category, but this one is " + role);
                }
                if (concept.anchor() != null) {
                    problems.add(where + ".anchor: only UNSAFE concepts have an anchor, but this one is " + role);
                }
            }
            if (problems.size() == before) {
                result.add(new Concept(concept.id(), concept.unified(), role, concept.category(), concept.anchor(),
                        concept.unicodeName(), shortNames, synonyms, heldOut));
            }
        }

        for (int i = 0; i < concepts.size(); i++) {
            ConceptFile concept = concepts.get(i);
            if (concept != null && "ANCHOR".equals(concept.role()) && concept.id() != null
                    && !referencedAnchors.contains(concept.id())) {
                problems.add("concepts[" + i + "]" + quotedId(concept.id()) + ".role: ANCHOR, but no UNSAFE concept"
                        + " names it as its anchor");
            }
        }

        long unsafe = concepts.stream().filter(c -> c != null && "UNSAFE".equals(c.role())).count();
        if (unsafe < MIN_UNSAFE_CONCEPTS) {
            problems.add("concepts: " + unsafe + " UNSAFE concepts; expected at least " + MIN_UNSAFE_CONCEPTS);
        }
        return result;
    }

    private void checkUnified(String where, ConceptFile concept, Map<String, String> unifiedToId) {
        try {
            CodePoints.parse(concept.unified());
        } catch (IllegalArgumentException e) {
            problems.add(where + ".unified: " + e.getMessage());
            return;
        }
        String earlier = unifiedToId.putIfAbsent(concept.unified(), String.valueOf(concept.id()));
        if (earlier != null) {
            problems.add(where + ".unified: " + concept.unified() + " is already the emoji of concept \"" + earlier
                    + "\"");
        }
    }

    private Role role(String where, String role) {
        try {
            return Role.valueOf(String.valueOf(role));
        } catch (IllegalArgumentException e) {
            problems.add(where + ".role: " + describe(role) + " is invalid; expected UNSAFE, ANCHOR or NEUTRAL");
            return null;
        }
    }

    /**
     * Checks the Unicode name against the JDK's character database where the emoji is a single code point,
     * optionally followed by the emoji presentation selector. The JDK has no names for longer sequences or for
     * characters newer than its Unicode version, so those are only checked for form.
     */
    private void checkUnicodeName(String where, ConceptFile concept) {
        String name = concept.unicodeName();
        if (name == null || !UNICODE_NAME.matcher(name).matches()) {
            problems.add(where + ".unicodeName: " + describe(name) + " is invalid; expected an upper-case Unicode"
                    + " character name such as PISTOL");
            return;
        }
        int[] codePoints;
        try {
            codePoints = CodePoints.parse(concept.unified());
        } catch (IllegalArgumentException e) {
            return;
        }
        boolean single = codePoints.length == 1
                || (codePoints.length == 2 && codePoints[1] == CodePoints.EMOJI_PRESENTATION_SELECTOR);
        String known = single ? Character.getName(codePoints[0]) : null;
        if (known != null && !known.equals(name)) {
            problems.add(where + ".unicodeName: \"" + name + "\" does not match U+"
                    + Integer.toHexString(codePoints[0]).toUpperCase(Locale.ROOT) + ", whose Unicode name is \""
                    + known + "\"");
        }
    }

    private void checkUnsafe(String where, ConceptFile concept, List<String> categories,
            Map<String, ConceptFile> byId, List<String> heldOut) {
        if (concept.category() == null) {
            problems.add(where + ".category: missing; an UNSAFE concept needs one of " + categories);
        } else if (!categories.contains(concept.category())) {
            problems.add(where + ".category: \"" + concept.category() + "\" is not a declared category; expected one"
                    + " of " + categories);
        }
        if (concept.anchor() == null) {
            problems.add(where + ".anchor: missing; an UNSAFE concept needs the id of its ANCHOR concept");
        } else {
            ConceptFile anchor = byId.get(concept.anchor());
            if (anchor == null) {
                problems.add(where + ".anchor: concept \"" + concept.anchor() + "\" does not exist; expected the id"
                        + " of an ANCHOR concept");
            } else if (!"ANCHOR".equals(anchor.role())) {
                problems.add(where + ".anchor: concept \"" + concept.anchor() + "\" has role " + anchor.role()
                        + "; expected an ANCHOR concept");
            }
        }
        if (heldOut.isEmpty()) {
            problems.add(where + ".heldOutPhrases: missing or empty; an UNSAFE concept needs phrases kept out of"
                    + " training for robustness evaluation");
        }
    }

    /**
     * Checks that each training phrase names one concept only, and that no held-out phrase appears, as whole
     * words, in any training phrase or template, so held-out evaluation never meets words that training captions
     * used.
     */
    private void checkPhrases(List<Concept> concepts, List<String> trainTemplates, List<String> heldOutTemplates) {
        Map<String, String> trainingOwner = new HashMap<>();
        for (Concept concept : concepts) {
            for (String phrase : concept.trainingPhrases()) {
                String owner = trainingOwner.putIfAbsent(phrase, concept.id());
                if (owner != null && !owner.equals(concept.id())) {
                    problems.add("concepts \"" + concept.id() + "\": phrase \"" + phrase + "\" also names concept \""
                            + owner + "\"; each phrase must name one concept");
                }
            }
        }
        Map<String, String> heldOutOwner = new HashMap<>();
        List<String> trainingTexts = new ArrayList<>(trainingOwner.keySet());
        trainingTexts.addAll(trainTemplates);
        trainingTexts.addAll(heldOutTemplates);
        for (Concept concept : concepts) {
            for (String phrase : concept.heldOutPhrases()) {
                String owner = heldOutOwner.putIfAbsent(phrase, concept.id());
                if (owner != null) {
                    problems.add("concepts \"" + concept.id() + "\".heldOutPhrases: \"" + phrase + "\" is also a"
                            + " held-out phrase of concept \"" + owner + "\"");
                }
                Pattern wholeWords = Pattern.compile("(^|[^a-z0-9'-])" + Pattern.quote(phrase) + "($|[^a-z0-9'-])");
                for (String text : trainingTexts) {
                    if (wholeWords.matcher(text).find()) {
                        problems.add("concepts \"" + concept.id() + "\".heldOutPhrases: \"" + phrase + "\" appears"
                                + " in \"" + text + "\", which training captions use");
                    }
                }
            }
        }
    }

    private boolean checkPhrases(String where, List<String> phrases) {
        return checkPhrases(where, phrases, false);
    }

    private boolean checkPhrases(String where, List<String> phrases, boolean emptyAllowed) {
        if (phrases == null || (phrases.isEmpty() && !emptyAllowed)) {
            problems.add(where + ": missing or empty; expected at least one phrase");
            return false;
        }
        boolean valid = true;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < phrases.size(); i++) {
            String phrase = phrases.get(i);
            if (phrase == null || !PHRASE.matcher(phrase).matches()) {
                problems.add(where + "[" + i + "]: " + describe(phrase) + " is invalid; expected lower-case words"
                        + " separated by single spaces, hyphens or apostrophes");
                valid = false;
            } else if (!seen.add(phrase)) {
                problems.add(where + "[" + i + "]: duplicate phrase \"" + phrase + "\"");
                valid = false;
            }
        }
        return valid;
    }

    private boolean checkUniqueId(String where, String id, Set<String> seen) {
        if (!checkId(where, id)) {
            return false;
        }
        if (!seen.add(id)) {
            problems.add(where + ": duplicate id \"" + id + "\"");
            return false;
        }
        return true;
    }

    private boolean checkId(String where, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            problems.add(where + ": " + describe(id) + " is invalid; expected lower-case letters, digits and"
                    + " underscores, starting with a letter");
            return false;
        }
        return true;
    }

    private void requirePositive(String where, Integer value) {
        if (value == null || value < 1) {
            problems.add(where + ": " + describe(value) + " is invalid; expected a whole number of at least 1");
        }
    }

    private static boolean isTarballPath(String path) {
        if (!TARBALL_PATH.matcher(path).matches()) {
            return false;
        }
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String normalise(String template) {
        return template.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    private static String quotedId(String id) {
        return id == null ? "" : " \"" + id + "\"";
    }

    private static String describe(Object value) {
        if (value == null) {
            return "missing value";
        }
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }
}
