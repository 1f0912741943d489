// Prints the SDL that a supergraph composes (what `_service { sdl }` answers), e.g. for
// `rover subgraph publish --schema -` or a composition check in another repository.
import { printGatewaySubgraphSdl } from '../src/schema.js';

process.stdout.write(`${printGatewaySubgraphSdl()}\n`);
