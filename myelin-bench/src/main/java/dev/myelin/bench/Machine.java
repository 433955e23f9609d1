package dev.myelin.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;

/** What the numbers were measured on: CPU, cores, JDK, vector width. */
public record Machine(String cpu, int cores, boolean avx512f, String jdk, int floatLanes) {

    public static Machine detect() {
        String cpu = null;
        boolean avx512 = false;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                if (cpu == null && l.startsWith("model name")) cpu = l.substring(l.indexOf(':') + 1).trim();
                if (l.startsWith("flags") && (l.contains(" avx512f ") || l.endsWith(" avx512f"))) avx512 = true;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall back to os.arch below
        }
        if (cpu == null) cpu = System.getProperty("os.arch");
        return new Machine(cpu, Runtime.getRuntime().availableProcessors(), avx512,
                Runtime.version() + " (" + System.getProperty("java.vm.name") + ", " + System.getProperty("java.vendor") + ")",
                FloatVector.SPECIES_PREFERRED.length());
    }

    public String describe() {
        return String.format(Locale.ROOT, "MACHINE cpu=\"%s\" cores=%d avx512f=%s jdk=\"%s\" float-lanes=%d (%d-bit vectors)",
                cpu, cores, avx512f, jdk, floatLanes, floatLanes * 32);
    }
}
