#!/usr/bin/env node
// A stable bin path that exists before the first build; the command line itself is compiled to dist/.
import '../dist/admin.js';
