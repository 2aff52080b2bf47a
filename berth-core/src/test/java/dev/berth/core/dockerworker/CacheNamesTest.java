package dev.berth.core.dockerworker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CacheNamesTest {

    @Test
    void ordinaryNamesAreFine() {
        assertThat(CacheNames.problem("b2g-object-directory")).isEmpty();
        assertThat(CacheNames.problem("level-3:checkouts")).isEmpty();
        assertThat(CacheNames.problem("x".repeat(256))).isEmpty();
    }

    @Test
    void badNamesAreRefusedWithTheReason() {
        assertThat(CacheNames.problem("")).hasValueSatisfying(p -> assertThat(p).contains("empty"));
        assertThat(CacheNames.problem("a::b")).hasValueSatisfying(p -> assertThat(p).contains("'::'"));
        assertThat(CacheNames.problem("a/b")).hasValueSatisfying(p -> assertThat(p).contains("'/'"));
        assertThat(CacheNames.problem("x".repeat(257))).hasValueSatisfying(p -> assertThat(p).contains("257"));
    }
}
