/*
 * tests/fuzz/fuzz_xml.c: feeds arbitrary bytes to the EC2 XML answer parser as a success and as
 * an error status; it must return a value or an error, never crash, hang or leak.
 */
#include <stdint.h>
#include <stdlib.h>

#include "providers/aws/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 400, 503};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        json_t *out = NULL;
        vpce_aws_xml_error err;
        int rc = vpce_aws_xml_parse(&out, &err, "DescribeVpcEndpoints", statuses[i],
                                    (const char *)data, size);
        if (rc == 0 && !out)
            abort(); /* success must give a value */
        json_decref(out);
    }
    return 0;
}
