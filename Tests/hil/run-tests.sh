#!/bin/sh
# Inside the test VM (vm.sh run sh Tests/hil/run-tests.sh): the real-kernel tests, once per
# libgpiod API the package was built against — .build (Debian's v1) and .build-gpiod2 (v2).
status=0
for build in .build:1 .build-gpiod2:2; do
    folder=${build%%:*}
    bundle=$folder/debug/SomaPackageTests.xctest
    [ -x "$bundle" ] || { echo "hil: $bundle is missing (build with --build-tests first)"; status=1; continue; }
    echo "==> real-kernel tests, libgpiod v${build##*:} ($folder)"
    SOMA_HIL_EXPECT_GPIOD_API=${build##*:} "$bundle" --testing-library swift-testing --filter SomaHILTests || status=1
done
exit $status
