package dev.myelin.iot;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a reading's device id is in its topic: a topic level (0-based: in
 * {@code sensors/+/readings} the device is level 1), or a regular expression whose group
 * {@code device} (if it has one) or first group is the id.
 *
 * <pre>{@code DeviceId.level(1)   DeviceId.regex("^plant/(?<device>[^/]+)/.*$")}</pre>
 */
public sealed interface DeviceId {

    /** The device id in this topic, or null when the topic does not have one. */
    String of(String topic);

    record Level(int index) implements DeviceId {
        public Level {
            if (index < 0) throw new IllegalArgumentException("device topic level must be >= 0, got " + index);
        }

        @Override
        public String of(String topic) {
            int start = 0;
            for (int level = 0; level < index; level++) {
                int slash = topic.indexOf('/', start);
                if (slash < 0) return null;
                start = slash + 1;
            }
            int end = topic.indexOf('/', start);
            String id = end < 0 ? topic.substring(start) : topic.substring(start, end);
            return id.isEmpty() ? null : id;
        }
    }

    record Regex(Pattern pattern) implements DeviceId {
        public Regex {
            if (pattern.matcher("").groupCount() < 1) {
                throw new IllegalArgumentException("device regex " + pattern + " has no group; put the id in ( ) or (?<device> )");
            }
        }

        @Override
        public String of(String topic) {
            Matcher m = pattern.matcher(topic);
            if (!m.find()) return null;
            String id = pattern.namedGroups().containsKey("device") ? m.group("device") : m.group(1);
            return id == null || id.isEmpty() ? null : id;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Regex r && r.pattern.pattern().equals(pattern.pattern()) && r.pattern.flags() == pattern.flags();
        }

        @Override
        public int hashCode() {
            return pattern.pattern().hashCode();
        }
    }

    static DeviceId level(int index) {
        return new Level(index);
    }

    static DeviceId regex(String regex) {
        return new Regex(Pattern.compile(regex));
    }

    /** The level of the first single-level wildcard {@code +} in a topic filter, or -1. */
    static int firstWildcardLevel(String filter) {
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) if (levels[i].equals("+")) return i;
        return -1;
    }
}
