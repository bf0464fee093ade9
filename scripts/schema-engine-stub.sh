#!/bin/sh
# Prisma's CLI insists on a native schema-engine binary before any command, even those that never
# use it (generate, validate, format). This network cannot download it, so this stub answers the
# version probe; commands that really need the engine (migrate, db push) are not used here.
if [ "$1" = "--version" ]; then echo "schema-engine-cli stub"; exit 0; fi
echo "schema-engine stub: this command needs the real Prisma schema engine" >&2
exit 1
