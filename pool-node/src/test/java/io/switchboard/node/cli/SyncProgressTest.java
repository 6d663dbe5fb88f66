package io.switchboard.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.admin.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyncProgressTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"phase\":\"reading ldap://dir:389 dc=x\",\"read\":1500,\"written\":0,\"to-write\":0} | 0"
                        + " | reading ldap://dir:389 dc=x: read 1500",
                "{\"phase\":\"reading csv x\",\"read\":3000,\"written\":0,\"to-write\":0} | 2"
                        + " | reading csv x: read 3000, 1500 entries/s",
                "{\"phase\":\"writing version 2\",\"read\":100,\"written\":50,\"to-write\":100} | 0"
                        + " | writing version 2: read 100, written 50/100 [###############               ] 50%",
                "{\"phase\":\"writing version 2\",\"read\":100,\"written\":100,\"to-write\":100} | 0"
                        + " | writing version 2: read 100, written 100/100 [##############################] 100%",
            })
    void oneLinePerState(String status, double seconds, String line) throws Exception {
        assertThat(SyncProgress.line(Json.parseObject(status), seconds)).isEqualTo(line);
    }
}
