import { flightBoardContract } from './flight-board.contract.js';
import { MemoryFlightBoard } from './memory-flight-board.js';

flightBoardContract('memory', async () => new MemoryFlightBoard());
