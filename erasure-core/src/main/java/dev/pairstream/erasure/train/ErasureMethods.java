package dev.pairstream.erasure.train;

import java.util.ArrayList;
import java.util.List;

/** The registry of erasure methods: PAIR, its ablations and the baselines, by id. */
public final class ErasureMethods {

    private ErasureMethods() {
    }

    /** Returns every method: PAIR first, then its ablations, then the baselines. */
    public static List<ErasureMethod> all() {
        List<ErasureMethod> methods = new ArrayList<>(AdapterErasure.all());
        methods.add(new UnifiedConceptEditing());
        return List.copyOf(methods);
    }

    /** Returns the ids of every method, in {@link #all()} order. */
    public static List<String> ids() {
        return all().stream().map(ErasureMethod::id).toList();
    }

    /**
     * Returns the method with an id.
     *
     * @throws IllegalArgumentException when no method has that id
     */
    public static ErasureMethod byId(String id) {
        for (ErasureMethod method : all()) {
            if (method.id().equals(id)) {
                return method;
            }
        }
        throw new IllegalArgumentException("Unknown erasure method '" + id + "'; expected one of " + ids());
    }
}
