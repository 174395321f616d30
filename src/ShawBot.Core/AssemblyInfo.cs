namespace ShawBot.Core;
