package dev.myelin.nn;

import java.util.Iterator;

/**
 * Where {@code fit} gets its data: the batches of one epoch at a time. In-memory arrays, streaming
 * datasets and prefetching pipelines all implement it.
 */
public interface BatchSource {
    /** The batches of epoch {@code epoch} (0-based), shuffled as the source decides. */
    Iterator<Batch> epoch(int epoch);

    /** Batches per epoch, or -1 if unknown (a stream). */
    default int batchesPerEpoch() {
        return -1;
    }
}
