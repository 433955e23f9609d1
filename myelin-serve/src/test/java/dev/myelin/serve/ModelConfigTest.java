package dev.myelin.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class ModelConfigTest {
    @Test
    void readsEverySettingAndDefaultsTheRest(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("config.json"),
                "{\"max_batch_size\": 8, \"max_queue_delay_ms\": 0.5, \"max_queue_size\": 10, \"timeout_ms\": 100, \"instance_count\": 2,"
                        + " \"version_policy\": {\"specific\": [3, 1]}}");
        ModelConfig c = ModelConfig.read(f);
        assertEquals(8, c.maxBatchSize());
        assertEquals(0.5, c.maxQueueDelayMs());
        assertEquals(10, c.maxQueueSize());
        assertEquals(100, c.timeoutMs());
        assertEquals(2, c.instanceCount());
        assertEquals(new ModelConfig.VersionPolicy.Specific(new TreeSet<>(java.util.List.of(1L, 3L))), c.versionPolicy());
        assertFalse(c.versionPolicy().admits(2));

        ModelConfig d = ModelConfig.read(Files.writeString(dir.resolve("c2.json"), "{\"version_policy\": {\"latest\": 2}}"));
        assertEquals(ModelConfig.DEFAULT.maxBatchSize(), d.maxBatchSize());
        assertEquals(new ModelConfig.VersionPolicy.Latest(2), d.versionPolicy());
    }

    @Test
    void refusesUnknownKeysAndBadValues(@TempDir Path dir) throws IOException {
        assertMessage(dir, "{\"max_batch\": 8}", "unknown settings [max_batch]");
        assertMessage(dir, "{\"max_batch_size\": 0}", "max_batch_size must be at least 1");
        assertMessage(dir, "{\"max_batch_size\": 2.5}", "whole number");
        assertMessage(dir, "{\"version_policy\": \"newest\"}", "version_policy must be one of");
        assertMessage(dir, "{\"instance_count\": 1000}", "instance_count must be from 1 to 64");
        assertMessage(dir, "{\"timeout_ms\": ", "not valid JSON");
    }

    private static void assertMessage(Path dir, String json, String fragment) throws IOException {
        Path f = Files.writeString(dir.resolve("bad.json"), json);
        IOException e = assertThrows(IOException.class, () -> ModelConfig.read(f));
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' not in: " + e.getMessage());
    }
}
