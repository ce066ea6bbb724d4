package dev.pairstream.erasure.pretrain;

import java.nio.file.Path;

/** Receives progress and checkpoint events of a training run, on the training thread. */
public interface TrainingListener {

    /** Receives a progress report. */
    default void onProgress(TrainingProgress progress) {
    }

    /** Receives the folder of a checkpoint that has just been written completely. */
    default void onCheckpoint(long step, Path checkpoint) {
    }
}
