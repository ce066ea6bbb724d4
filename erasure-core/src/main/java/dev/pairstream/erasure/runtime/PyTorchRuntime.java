package dev.pairstream.erasure.runtime;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.util.Utils;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads DJL's PyTorch engine from the native libraries on the classpath, never from the network.
 *
 * <p>The natives come from {@code ai.djl.pytorch:pytorch-native-cpu} (classifier {@code linux-x86_64}) and the
 * JNI bridge from {@code ai.djl.pytorch:pytorch-jni}. DJL extracts them once into its engine cache directory
 * ({@code ENGINE_CACHE_DIR/pytorch}, else {@code DJL_CACHE_DIR/pytorch}, else {@code ~/.djl.ai/pytorch}). Offline mode
 * turns a missing native jar into an immediate error instead of a download attempt.
 */
public final class PyTorchRuntime {

    /** DJL's name for the PyTorch engine. */
    public static final String ENGINE_NAME = "PyTorch";

    /** System property that DJL reads to decide whether it may download anything. */
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";

    /**
     * System property (or environment variable) that turns off DJL's usage report. DJL 0.36 sends that report on
     * engine load unless offline mode or this flag is set, and it first queries a cloud metadata address; a
     * moderation service has no business making either request, so both switches are set.
     */
    public static final String OPT_OUT_TRACKING_PROPERTY = "OPT_OUT_TRACKING";

    private static final Logger LOG = LoggerFactory.getLogger(PyTorchRuntime.class);

    private PyTorchRuntime() {
    }

    /**
     * Returns the PyTorch engine, loading it on first use with offline mode on unless the caller set
     * {@value #OFFLINE_PROPERTY} explicitly.
     *
     * @throws IllegalStateException when the engine cannot load, with the cache directory and the fix in the message
     */
    public static synchronized Engine engine() {
        if (System.getProperty(OFFLINE_PROPERTY) == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        }
        if (System.getProperty(OPT_OUT_TRACKING_PROPERTY) == null && System.getenv(OPT_OUT_TRACKING_PROPERTY) == null) {
            System.setProperty(OPT_OUT_TRACKING_PROPERTY, "true");
        }
        try {
            return Engine.getEngine(ENGINE_NAME);
        } catch (EngineException | IllegalArgumentException e) {
            throw new IllegalStateException("Failed to load the DJL PyTorch engine with " + OFFLINE_PROPERTY + "="
                    + System.getProperty(OFFLINE_PROPERTY) + " and engine cache " + engineCacheDirectory()
                    + ". Put ai.djl.pytorch:pytorch-native-cpu (classifier linux-x86_64) and"
                    + " ai.djl.pytorch:pytorch-jni on the classpath.", e);
        }
    }

    /**
     * Turns PyTorch's gradient recording off on the calling thread, as it is outside a {@code GradientCollector} on the
     * thread that loaded the engine. PyTorch keeps this mode per thread and starts every other thread with recording
     * on; a collector restores the mode it found when it closes. On such a thread an optimizer's in-place update of a
     * trainable array then fails with "a leaf Variable that requires grad is being used in an in-place operation",
     * and forward passes outside a collector record graphs for nothing. Call it first on a thread that trains.
     */
    public static void disableGradientRecordingOnThisThread() {
        engine();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    /** Returns the directory that DJL extracts the PyTorch natives into. */
    public static Path engineCacheDirectory() {
        return Utils.getEngineCacheDir("pytorch");
    }

    /** Loads the engine and describes it: version, default device and where its natives live. */
    public static RuntimeInfo describe() {
        Engine engine = engine();
        RuntimeInfo info = new RuntimeInfo(engine.getEngineName(), engine.getVersion(),
                engine.defaultDevice().toString(), Boolean.parseBoolean(System.getProperty(OFFLINE_PROPERTY)),
                engineCacheDirectory());
        LOG.info("Loaded DJL engine {} {} on {} (offline={}, natives under {})", info.engineName(),
                info.engineVersion(), info.device(), info.offline(), info.nativesDirectory());
        return info;
    }

    /** The loaded engine's identity and the location of its native libraries. */
    public record RuntimeInfo(String engineName, String engineVersion, String device, boolean offline,
            Path nativesDirectory) {
    }
}
