namespace ShawBot.Engine;
